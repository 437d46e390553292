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
    "CaptionsRejected", "Playback", "Poster", "StoredFile", "Video", "VideoAsset", "VideoMissing", "VideoRejected",
    "copy_outputs", "enqueue_transcode", "find_video", "get_video", "playback", "promote_videos_of",
    "ready_posters", "reserve_video", "store_video", "stored_checksums", "transcode_now", "validate_captions",
    "validate_video", "video_content_type", "video_id", "video_version", "video_versions", "videos",
    "videos_in_use", "videos_of_page",
]


# --- plain data for other apps (the curriculum importer/exporter, publishing) -------------------
# They get ids and frozen dataclasses, never the model: what a video *is* to them is here.

class VideoMissing(LookupError):
    """No video with that key (never imported, or deleted by an editor)."""


@dataclasses.dataclass(frozen=True)
class StoredFile:
    """A file in the video storage, by name; ``open()`` reads it (local disk or S3)."""

    name: str

    def open(self, mode="rb"):
        return VideoAsset._meta.get_field("original").storage.open(self.name, mode)

    def close(self):
        """Nothing to close: every ``open()`` returns its own handle (FieldFile's interface)."""


@dataclasses.dataclass(frozen=True)
class Video:
    """One video as other apps see it."""

    id: int
    key: str
    title: str
    checksum: str             # sha1 of the original ("" if unknown)
    collection_id: int | None
    status: str               # pending / processing / ready / failed
    original: StoredFile | None


VIDEO_FIELDS = ("id", "key", "title", "checksum", "collection_id", "status", "original")


def _video(row):
    original = row.pop("original")
    return Video(**row, original=StoredFile(original) if original else None)


def find_video(key) -> Video | None:
    row = VideoAsset.objects.filter(key=key).values(*VIDEO_FIELDS).first()
    return _video(row) if row else None


def video_id(key) -> int:
    """The id of the video ``key``; ``VideoMissing`` if there is none."""
    pk = VideoAsset.objects.filter(key=key).values_list("pk", flat=True).first()
    if pk is None:
        raise VideoMissing(key)
    return pk


def videos(*, collection_id=None, ids=None) -> list[Video]:
    """Videos by key order: all, those of a collection, or those with the given ids."""
    rows = VideoAsset.objects.all()
    if collection_id is not None:
        rows = rows.filter(collection_id=collection_id)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return [_video(row) for row in rows.order_by("key").values(*VIDEO_FIELDS)]


def stored_checksums() -> set[str]:
    """Checksums of the originals already stored (they passed validation when they were stored)."""
    return set(VideoAsset.objects.exclude(checksum="").values_list("checksum", flat=True))


def reserve_video(*, key, title, collection_id=None) -> int:
    """A video row without a file (an import's dry run: pages can refer to it); returns its id."""
    return VideoAsset.objects.create(key=key, title=title, collection_id=collection_id).pk


@dataclasses.dataclass(frozen=True)
class Poster:
    """A READY video's poster frame (storage name) and length, for the site's cards."""

    video_id: int
    name: str
    duration: float | None


def ready_posters() -> list[Poster]:
    posters = []
    for pk, prefix, outputs, seconds in VideoAsset.objects.filter(status=VideoAsset.Status.READY).values_list(
            "id", "output_prefix", "outputs", "duration_seconds"):
        name = prefix.rstrip("/") + "/" + outputs["poster"] if outputs.get("poster") else ""
        posters.append(Poster(pk, name, seconds or outputs.get("duration")))
    return posters


def video_content_type():
    """The content type of videos (what Wagtail's reference index points to)."""
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(VideoAsset)


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
    key: str = ""
    audio_bytes: int | None = None  # the audio-only rendition's size (下载收听 shows it)


def get_video(key):
    return VideoAsset.objects.filter(key=key).first()


def playback(asset, reviewed=False):
    """The outputs of a READY asset (the model or its id), or None (not transcoded yet, failed,
    or no asset). ``reviewed``: the outputs the parent site may show (see ``promote_videos_of``)."""
    if asset is not None and not isinstance(asset, VideoAsset):
        asset = VideoAsset.objects.filter(pk=asset).first()
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
        has_audio=bool(manifest.get("audio")), key=asset.key,
        audio_bytes=(manifest.get("audio") or {}).get("bytes"),
    )


def copy_outputs(asset, dest_dir, reviewed=False):
    """Copy a READY asset's outputs into ``dest_dir`` (same layout); None if it is not ready."""
    info = asset if isinstance(asset, Playback) else playback(asset, reviewed)
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
