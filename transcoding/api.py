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
    "get_video", "playback", "promote_videos_of", "store_video", "transcode_now", "validate_captions",
    "validate_video", "video_version", "video_versions", "videos_in_use", "videos_of_page",
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


def playback(asset, reviewed=False):
    """The outputs of a READY asset, or None (not transcoded yet, failed, or no asset).
    ``reviewed``: the outputs the parent site may show (see ``promote_videos_of``)."""
    if asset is None:
        return None
    if reviewed:
        manifest, root = asset.live_outputs, asset.live_prefix
    elif asset.status == VideoAsset.Status.READY:
        manifest, root = asset.outputs, asset.output_prefix
    else:
        return None
    if not root or not manifest.get("files"):
        return None
    return Playback(
        root=root, master=manifest["master"],
        audio=(manifest.get("audio") or {}).get("playlist"), poster=manifest["poster"],
        captions=manifest.get("captions"), files=tuple(manifest["files"]),
        width=manifest["width"], height=manifest["height"], duration=manifest["duration"],
        has_audio=bool(manifest.get("audio")),
    )


def copy_outputs(asset, dest_dir, reviewed=False):
    """Copy a READY asset's outputs into ``dest_dir`` (same layout); None if it is not ready."""
    info = playback(asset, reviewed)
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
    replaced = asset.pk is not None
    asset.status = VideoAsset.Status.PENDING
    asset.progress, asset.playable, asset.error, asset.attempts = 0.0, False, "", 0
    asset.save()
    if replaced:
        from cms.core import changes

        changes.announce(changes.VIDEO_REPLACED, video_id=asset.pk)
    if transcode:
        enqueue_transcode(asset)
    return asset


def video_version(asset_id):
    """What the parent site shows of a video, as a short string that changes only when that does
    (pages' fingerprints use it: progress heartbeats and unreviewed transcodes don't count)."""
    row = VideoAsset.objects.filter(pk=asset_id).values("key", "title", "live_prefix").first()
    return f"{row['key']}|{row['title']}|{row['live_prefix']}" if row else None


def video_versions(ids):
    return {row["id"]: f"{row['key']}|{row['title']}|{row['live_prefix']}"
            for row in VideoAsset.objects.filter(pk__in=ids).values("id", "key", "title", "live_prefix")}


def promote_videos_of(page):
    """A page was approved and published: the videos it shows become the reviewed versions (a
    replaced file waiting for review goes to the parent site with this revision). Returns the
    ids of the videos promoted."""
    from .jobs import promote

    promoted = []
    for asset_id in videos_of_page(page):
        asset = VideoAsset.objects.filter(pk=asset_id).first()
        if asset is not None and promote(asset):
            promoted.append(asset_id)
    return promoted


def videos_of_page(page):
    """Ids of the videos a page's live content shows (a micro-lesson's video, a lesson's 视频导入)."""
    page = page.specific
    ids = []
    if getattr(page, "video_id", None):
        ids.append(page.video_id)
    body = getattr(page, "body", None)
    if body is not None:
        for step in body:
            if step.block_type == "video_intro" and step.value.get("video"):
                ids.append(step.value["video"].id)
    return ids


def videos_in_use(asset):
    """Live pages that show ``asset`` (a micro-lesson's video or a lesson's 视频导入 step)."""
    from wagtail.models import Page, ReferenceIndex

    references = ReferenceIndex.get_references_to(asset).group_by_source_object()
    pages = [source for source, _ in references if isinstance(source, Page)]
    return [page for page in pages if page.live]
