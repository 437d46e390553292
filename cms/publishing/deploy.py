"""Deploy the built site to S3 (boto3): upload only files whose content changed (compared with
the objects' MD5 ETags), with the right Content-Type and charset, long immutable caching for
fingerprinted files and a short one for HTML and other entry points; objects that are no longer
part of the site are deleted only after every new file is uploaded."""

from __future__ import annotations

import dataclasses
import hashlib
import mimetypes
import os
import re
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
# Files whose name carries their content hash (theme assets, Pagefind chunks, card thumbnails
# named by their source's hash: t/ab/<sha1>-320.webp) or that live under a video revision folder
# never change under the same name.
FINGERPRINTED = re.compile(
    r"(\.[0-9a-f]{8}\.(min\.)?(css|js)$)|(^pagefind/s\d+/(fragment|index|filter)/)|(\.pf_meta$)|(^v/[^/]+/[^/]+/)"
    r"|(^t/[0-9a-f]{2}/[0-9a-f]{40}-\d+\.(avif|webp|jpg)$)"
)
TEXT_TYPES = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json",
              "image/svg+xml", "text/plain", "text/vtt", "application/vnd.apple.mpegurl", "application/xml"}
EXTRA_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".vtt": "text/vtt", ".m4s": "video/iso.segment",
               ".ts": "video/mp2t", ".pagefind": "application/wasm", ".pf_meta": "application/octet-stream",
               ".pf_index": "application/octet-stream", ".pf_fragment": "application/octet-stream",
               ".pf_filter": "application/octet-stream", ".avif": "image/avif", ".webp": "image/webp",
               ".js": "text/javascript", ".json": "application/json"}


# One PUT per file keeps the ETag an MD5 of the content, which is how changes are detected.
SINGLE_PART = TransferConfig(multipart_threshold=4 * 1024**3)


@dataclasses.dataclass
class DeployReport:
    uploaded: list = dataclasses.field(default_factory=list)
    deleted: list = dataclasses.field(default_factory=list)
    unchanged: int = 0


def content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    kind = EXTRA_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind in TEXT_TYPES else kind


def cache_control(key: str) -> str:
    return IMMUTABLE if FINGERPRINTED.search(key) else SHORT


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def client(endpoint_url=None, region=None):
    return boto3.client(
        "s3", endpoint_url=endpoint_url or os.environ.get("GONGYU_SITE_S3_ENDPOINT_URL") or None,
        region_name=region or os.environ.get("GONGYU_SITE_S3_REGION", "us-east-1"),
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )


def deploy_s3(site_dir, *, bucket, prefix="", endpoint_url=None, s3=None) -> DeployReport:
    root = Path(site_dir).resolve()
    s3 = s3 or client(endpoint_url)
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    existing = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            existing[obj["Key"]] = obj["ETag"].strip('"')
    report = DeployReport()
    local = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            local[prefix + path.relative_to(root).as_posix()] = path
    # HTML last, so a page never links to an asset that is not there yet.
    for key in sorted(local, key=lambda k: (k.endswith(".html"), k)):
        path = local[key]
        if existing.get(key) == _md5(path):
            report.unchanged += 1
            continue
        s3.upload_file(str(path), bucket, key, Config=SINGLE_PART, ExtraArgs={
            "ContentType": content_type(key), "CacheControl": cache_control(key[len(prefix):]),
        })
        report.uploaded.append(key)
    stale = sorted(set(existing) - set(local))
    for start in range(0, len(stale), 1000):
        batch = stale[start:start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        report.deleted.extend(batch)
    return report
