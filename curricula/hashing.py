"""Content hashes of media files (SHA-1, as Wagtail uses for images and documents)."""

import hashlib


def sha1_of_file(path):
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
