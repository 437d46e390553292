"""Public surface of the video app: other apps import from here, not from the modules behind it."""

import dataclasses
from pathlib import Path

from django.core.files import File

from .captions import CaptionsRejected, validate_captions
from .models import VideoAsset
from .outputs import copy_tree
from .probe import probe
from .validation import VideoRejected, validate_video

__all__ = [
    "CaptionsRejected", "Playback", "VideoAsset", "VideoRejected", "copy_outputs", "enqueue_transcode",
    "get_video", "playback", "store_video", "transcode_now", "validate_captions", "validate_video",
    "videos_in_use",
]


@dataclasses.dataclass(frozen=True)
class Playback:
    """Where a READY video's outputs are, relative to ``root`` (a storage prefix)."""

    root: str
    master: str
    audio: str | None
    poster: str
    captions: str | None
    files: tuple
    width: int
    height: int
    duration: float
    has_audio: bool


def get_video(key):
    return VideoAsset.objects.filter(key=key).first()


def playback(asset):
    """The outputs of a READY asset, or None (not transcoded yet, failed, or no asset)."""
    if asset is None or asset.status != VideoAsset.Status.READY or not asset.outputs.get("files"):
        return None
    manifest = asset.outputs
    return Playback(
        root=asset.output_prefix, master=manifest["master"],
        audio=(manifest.get("audio") or {}).get("playlist"), poster=manifest["poster"],
        captions=manifest.get("captions"), files=tuple(manifest["files"]),
        width=manifest["width"], height=manifest["height"], duration=manifest["duration"],
        has_audio=bool(manifest.get("audio")),
    )


def copy_outputs(asset, dest_dir):
    """Copy a READY asset's outputs into ``dest_dir`` (same layout); None if it is not ready."""
    info = playback(asset)
    if info is None:
        return None
    copy_tree(info.root, info.files, Path(dest_dir))
    return info


def enqueue_transcode(asset):
    from .jobs import enqueue

    enqueue(asset)


def transcode_now(asset):
    """Run the whole job for ``asset`` in this process (tests, scripts); returns its outcome."""
    from .jobs import run_job

    return run_job(asset.pk)


def store_video(*, key, title, path, collection=None, checksum=None, transcode=True):
    """Create (or update) the asset ``key`` with the (validated) file at ``path`` as its original,
    and queue its transcoding once the surrounding transaction commits."""
    asset = VideoAsset.objects.filter(key=key).first() or VideoAsset(key=key)
    asset.title = title
    if collection is not None:
        asset.collection = collection
    with open(path, "rb") as handle:
        asset.original.save(Path(path).name, File(handle), save=False)
    asset.checksum = checksum or ""
    asset.set_probe_facts(probe(path))
    asset.status = VideoAsset.Status.PENDING
    asset.progress, asset.playable, asset.error, asset.attempts = 0.0, False, "", 0
    asset.save()
    if transcode:
        enqueue_transcode(asset)
    return asset


def videos_in_use(asset):
    """Live pages that show ``asset`` (a micro-lesson's video or a lesson's 视频导入 step)."""
    from wagtail.models import Page, ReferenceIndex

    references = ReferenceIndex.get_references_to(asset).group_by_source_object()
    pages = [source for source, _ in references if isinstance(source, Page)]
    return [page for page in pages if page.live]
