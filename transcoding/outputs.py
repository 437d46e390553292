"""Where finished pipeline files go, and how readers get them back.

A ``Sink`` receives finished files from the pipeline's work folder while ffmpeg runs: new segments
first, then the playlist that names them (so a reader never finds a playlist naming a missing
segment), and single files (poster, the master playlist). ``discard()`` removes everything it was
given, after a failure, so no half-made ladder stays behind. ``StorageSink`` writes into Django's default
storage (local media or S3, with Content-Type and Cache-Control per kind of file); ``FolderSink``
into a plain folder (``manage.py transcode --out``).
"""

import contextlib
import mimetypes
import os
import shutil
from pathlib import Path

from django.core.files.storage import default_storage

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}
# Segments, posters and captions never change under a ladder revision; playlists do while the
# ladder is made (they grow, then become VOD), so they get a short lifetime.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"


def content_type(name):
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name):
    return SHORT if name.endswith(".m3u8") else IMMUTABLE


def _expand(out_dir, names):
    """Files under ``names`` (a trailing / means a folder), playlists after their segments."""
    files = []
    for name in names:
        if name.endswith("/"):
            folder = sorted((out_dir / name).rglob("*"))
            files += [p for p in folder if p.is_file() and p.suffix != ".m3u8"]
            files += [p for p in folder if p.is_file() and p.suffix == ".m3u8"]
        else:
            files.append(out_dir / name)
    return files


class FolderSink:
    def __init__(self, target):
        self.target = Path(target)
        self.written = set()

    def put(self, out_dir, names):
        for path in _expand(out_dir, names):
            destination = self.target / path.relative_to(out_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            temporary = destination.with_name(f".{destination.name}.tmp")
            shutil.copyfile(path, temporary)
            os.replace(temporary, destination)
            self.written.add(destination)

    def discard(self):
        """Remove the files this sink wrote, and the folders that are empty then (the target's
        other files stay)."""
        folders = set()
        for path in self.written:
            path.unlink(missing_ok=True)
            folders.update(parent for parent in path.parents if self.target in (parent, *parent.parents))
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.written.clear()


class StorageSink:
    """Into the default storage under ``prefix`` (e.g. videos/hls/<key>/<revision>/)."""

    def __init__(self, prefix, storage=None):
        self.prefix = prefix.rstrip("/") + "/"
        self.storage = storage or default_storage

    def put(self, out_dir, names):
        for path in _expand(out_dir, names):
            put_file(self.storage, self.prefix + str(path.relative_to(out_dir)), path)

    def discard(self):
        """Remove everything under the prefix (the job gives a sink a prefix of its own: never the
        folder of a finished or reviewed ladder)."""
        delete_tree(self.prefix, self.storage)


def _is_s3(storage):
    return hasattr(storage, "bucket") and hasattr(storage, "_normalize_name")


def put_file(storage, name, path):
    """Write ``path`` to ``name`` in ``storage``, replacing what is there, atomically per file."""
    if _is_s3(storage):
        storage.bucket.upload_file(
            str(path), storage._normalize_name(name),
            ExtraArgs={"ContentType": content_type(name), "CacheControl": cache_control(name)},
        )
        return
    destination = Path(storage.path(name))
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.tmp")
    shutil.copyfile(path, temporary)
    os.replace(temporary, destination)


def delete_tree(prefix, storage=None):
    """Remove everything stored under ``prefix`` (an old ladder revision)."""
    storage = storage or default_storage
    prefix = prefix.rstrip("/") + "/"
    if _is_s3(storage):
        storage.bucket.objects.filter(Prefix=storage._normalize_name(prefix)).delete()
        return
    shutil.rmtree(storage.path(prefix), ignore_errors=True)


def copy_tree(prefix, files, dest_dir, storage=None):
    """Copy the stored ``files`` (relative to ``prefix``) into ``dest_dir``, skipping files that are
    already there with the same size."""
    storage = storage or default_storage
    prefix = prefix.rstrip("/") + "/"
    dest_dir = Path(dest_dir)
    for relative in files:
        destination = dest_dir / relative
        name = prefix + relative
        if destination.exists() and destination.stat().st_size == storage.size(name):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.tmp")
        with storage.open(name, "rb") as source, open(temporary, "wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        os.replace(temporary, destination)
