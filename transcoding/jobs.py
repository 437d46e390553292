"""The transcoding job: a django-tasks task run by ``manage.py db_worker``.

One job per asset at a time (claimed with a conditional UPDATE). Progress, the estimate of time
left and a heartbeat are saved about once a second. Bad input fails at once with ffmpeg's reason;
anything else (a killed ffmpeg, a storage error, a time-out) is retried with back-off up to
GONGYU_TRANSCODE_MAX_ATTEMPTS. A worker killed mid-job leaves the asset 转码中 with a stale
heartbeat: ``interrupted`` and retryable. Re-running a finished job does nothing.
"""

import dataclasses
import logging
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from cms.core import changes

from .ladder import ladder_revision
from .models import VideoAsset, video_finished
from .outputs import StorageSink, delete_tree
from .pipeline import transcode
from .probe import ProbeFacts, ProbeFailed, probe
from .runner import FfmpegFailed

logger = logging.getLogger("gongyu.transcoding")
Status = VideoAsset.Status
SAVE_EVERY_SECONDS = 1.0


class BadInput(Exception):
    """The source cannot be transcoded; retrying will not help."""


def work_root():
    root = Path(settings.VAR_DIR) / "transcode"
    root.mkdir(parents=True, exist_ok=True)
    return root


def hls_prefix(asset, revision):
    return f"videos/hls/{asset.key}/{revision}/"


@task()
def transcode_video(asset_id, attempt=1):
    return run_job(asset_id, attempt)


def enqueue(asset, attempt=1, delay_seconds=0):
    """Queue the job (after the surrounding transaction commits)."""
    job = transcode_video
    if delay_seconds and default_task_backend.supports_defer:
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    transaction.on_commit(lambda: job.enqueue(asset.pk, attempt))


def retry(asset):
    """The admin's 重试 button: start again from the original file."""
    if not asset.retryable:
        return False
    VideoAsset.objects.transition(asset.pk, Status.PENDING, progress=0.0, eta_seconds=None, error="", attempts=0,
                                  phase="", playable_eta_seconds=None)
    enqueue(asset)
    return True


def restart(asset):
    """The edit page's 重新转码: transcode again from the stored original (a finished, failed or
    interrupted video; not one that is waiting or being transcoded). The current renditions stay
    where they are — the edit page's player and the parent site keep them — until the new ones
    are complete."""
    if not asset.restartable:
        return False
    busy = Q(status__in=[Status.PENDING, Status.PROCESSING])
    stale = Q(status=Status.PROCESSING, heartbeat_at__lt=timezone.now() - timedelta(
        seconds=settings.GONGYU_TRANSCODE_STALE_SECONDS))
    if not VideoAsset.objects.transition(asset.pk, Status.PENDING, when=~busy | stale, progress=0.0,
                                         eta_seconds=None, error="", attempts=0, phase="",
                                         playable_eta_seconds=None, transcoded_at=None):
        return False
    enqueue(asset)
    return True


def _announce_finished(asset_id, outcome):
    transaction.on_commit(lambda: video_finished.send_robust(sender=VideoAsset, video_id=asset_id, outcome=outcome))


def queue_replaced(asset):
    """A new original file was stored for ``asset`` (saved already): transcode it again. The
    parent site keeps the reviewed outputs until a page showing the video is approved again."""
    VideoAsset.objects.transition(asset.pk, Status.PENDING, event=changes.VIDEO_REPLACED, progress=0.0,
                                  eta_seconds=None, error="", attempts=0, playable=False, phase="",
                                  playable_eta_seconds=None)
    enqueue(asset)


def _claim(asset_id):
    """Mark the asset 转码中 unless another worker is on it; True if this worker got it."""
    stale = timezone.now() - timedelta(seconds=settings.GONGYU_TRANSCODE_STALE_SECONDS)
    claimable = Q(status__in=[Status.PENDING, Status.FAILED]) | Q(status=Status.PROCESSING, heartbeat_at__lt=stale)
    return VideoAsset.objects.transition(
        asset_id, Status.PROCESSING, when=claimable, progress=0.0, eta_seconds=None, error="",
        phase="", playable_eta_seconds=None, heartbeat_at=timezone.now(), attempts=F("attempts") + 1)


def _local_copy(field, folder):
    """A local path for a stored file (the file itself with local storage; a download for S3)."""
    try:
        return Path(field.path)
    except NotImplementedError:
        target = folder / Path(field.name).name
        with field.open("rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        return target


def _already_done(asset):
    return asset.status == Status.READY and asset.outputs.get("files") and asset.output_prefix


def run_job(asset_id, attempt=1):
    asset = VideoAsset.objects.filter(pk=asset_id).first()
    if asset is None or _already_done(asset):
        return "nothing to do"
    if not _claim(asset_id):
        return "taken"
    asset.refresh_from_db()
    work = work_root() / f"{asset.key}-{uuid.uuid4().hex[:8]}"
    for leftover in work_root().glob(f"{asset.key}-*"):  # an interrupted earlier attempt
        shutil.rmtree(leftover, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        manifest, prefix = _transcode(asset, work)
    except BadInput as bad:
        _fail(asset, str(bad))
        return "failed"
    except Exception as error:  # noqa: BLE001 - anything else may be transient: retry with back-off
        logger.exception("transcoding %s failed (attempt %s)", asset.key, attempt)
        reason = "转码超时" if isinstance(error, FfmpegFailed) and error.timed_out else f"{type(error).__name__}: {error}"
        if attempt < settings.GONGYU_TRANSCODE_MAX_ATTEMPTS:
            delay = 30 * 2 ** (attempt - 1)
            VideoAsset.objects.transition(
                asset.pk, Status.PENDING, error=f"第 {attempt} 次转码没有成功({reason}),{delay} 秒后自动重试。")
            enqueue(asset, attempt + 1, delay)
            return "retrying"
        _fail(asset, f"转码多次没有成功({reason})。原始视频已保存,可以点「重试」再试一次。")
        return "failed"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    old = {asset.output_prefix, _finished_prefix(asset)} - {"", prefix}
    with transaction.atomic():
        VideoAsset.objects.transition(
            asset.pk, Status.READY, event=changes.VIDEO_READY, progress=1.0, eta_seconds=0.0, playable=True,
            phase="", playable_eta_seconds=0.0, error="", outputs=manifest, output_prefix=prefix, transcoded_at=timezone.now(),
            heartbeat_at=timezone.now(), duration_seconds=manifest["duration"])
        _promote_if_unreviewed(asset.pk)
        _announce_finished(asset.pk, "ready")
    for stale in old:  # the previous ladder (unless the parent site shows it) or a killed run's
        if not _is_live_prefix(asset.pk, stale):
            delete_tree(stale)
    return "ready"


def _finished_prefix(asset):
    """Where the asset's last finished ladder (``outputs``) is ("" if none)."""
    outputs = asset.outputs or {}
    return outputs.get("prefix") or (asset.output_prefix if outputs.get("files") else "")


def job_prefix(asset, revision):
    """Where this job writes: the revision's folder, emptied of a half-made earlier attempt — or, if
    that folder holds the finished or the reviewed ladder (重新转码 with unchanged settings), a new
    folder beside it, so what the edit page and the parent site show is never overwritten while
    the new ladder grows."""
    prefix = hls_prefix(asset, revision)
    finished = _finished_prefix(asset)
    if prefix in {asset.live_prefix, finished}:
        return f"{prefix.rstrip('/')}-{uuid.uuid4().hex[:6]}/"
    if asset.output_prefix == prefix:  # a killed worker's half-made ladder: the player goes back first
        VideoAsset.objects.filter(pk=asset.pk).update(output_prefix=finished, playable=bool(finished))
    delete_tree(prefix)
    return prefix


def _is_live_prefix(asset_id, prefix):
    return VideoAsset.objects.filter(pk=asset_id, live_prefix=prefix).exists()


def _promote_if_unreviewed(asset_id):
    """A finished transcode becomes what the parent site shows at once unless a live page shows
    an earlier reviewed version: then it waits for that page's next approval (``promote``)."""
    from .api import videos_in_use

    asset = VideoAsset.objects.get(pk=asset_id)
    if asset.live_prefix and asset.live_prefix != asset.output_prefix and videos_in_use(asset):
        return False
    return promote(asset)


def promote(asset):
    """Make a READY asset's current outputs the reviewed ones (the parent site's); the previous
    reviewed outputs are deleted once nothing shows them. True if anything changed."""
    if asset.status != Status.READY or not asset.output_prefix or asset.live_prefix == asset.output_prefix:
        return False
    previous = asset.live_prefix
    changed = VideoAsset.objects.transition(
        asset.pk, when=Q(status=Status.READY, output_prefix=asset.output_prefix), event=changes.VIDEO_READY,
        live_prefix=asset.output_prefix, live_outputs=asset.outputs)
    if changed and previous:
        transaction.on_commit(lambda: delete_tree(previous))
    return changed


def _fail(asset, message):
    if VideoAsset.objects.transition(asset.pk, Status.FAILED, error=message, eta_seconds=None, phase="",
                                     playable_eta_seconds=None):
        _announce_finished(asset.pk, "failed")


def _transcode(asset, work):
    source_dir = Path(tempfile.mkdtemp(dir=work))
    source = _local_copy(asset.original, source_dir)
    try:
        facts = probe(source)
    except ProbeFailed as failure:
        raise BadInput("无法读取原始视频,文件可能已损坏。请重新上传。") from failure
    if not facts.has_video or not facts.duration:
        raise BadInput("原始视频没有可用的画面或时长。请重新上传。")
    captions = _local_copy(asset.captions, source_dir) if asset.captions else None
    captions_sum = asset.captions.name if asset.captions else ""
    revision = ladder_revision(asset.checksum or asset.original.name, facts, captions_sum)
    prefix = job_prefix(asset, revision)
    saved = {"at": 0.0, "playable": False, "phase": None}

    def on_progress(progress):
        now = time.monotonic()
        became_playable = progress.playable and not saved["playable"]
        new_phase = progress.phase != saved["phase"]
        if now - saved["at"] < SAVE_EVERY_SECONDS and not became_playable and not new_phase:
            return
        saved["at"], saved["phase"] = now, progress.phase
        # the estimates are None until the running pass has a measured speed: the admin then
        # shows no figure rather than a guess
        fields = {"progress": round(progress.fraction, 4), "eta_seconds": progress.eta_seconds,
                  "playable_eta_seconds": progress.playable_eta_seconds,
                  "phase": progress.phase if progress.phase in ("waiting", "encoding") else "",
                  "heartbeat_at": timezone.now()}
        if became_playable:
            saved["playable"] = True
            fields.update(playable=True, output_prefix=prefix)
            VideoAsset.objects.transition(asset.pk, event=changes.VIDEO_PLAYABLE, **fields)
        else:  # a heartbeat: no state change, nothing announced
            VideoAsset.objects.filter(pk=asset.pk).update(**fields)

    try:
        manifest = transcode(source, work / "ladder", facts, StorageSink(prefix), captions=captions,
                             on_progress=on_progress)
    except BaseException as failure:
        # the half-made ladder is gone (the sink discarded it): the edit page's player goes back to
        # the last finished ladder, if there is one
        finished = _finished_prefix(asset)
        VideoAsset.objects.filter(pk=asset.pk).update(output_prefix=finished, playable=bool(finished))
        if not isinstance(failure, FfmpegFailed) or failure.timed_out or failure.killed or failure.returncode is None:
            raise
        raise BadInput(f"视频无法转码(ffmpeg:{failure.stderr.splitlines()[-1] if failure.stderr else failure})。"
                       "请换一个导出格式后重新上传。") from failure
    manifest["revision"] = revision
    manifest["prefix"] = prefix
    manifest["probe"] = dataclasses.asdict(facts)  # what the revision was computed from (outdated())
    return manifest, prefix


def current_revision(asset, folder):
    """The ladder revision a transcode of ``asset`` would get now (``folder``: where to download an
    S3 original whose probe facts the manifest does not have)."""
    facts = asset.outputs.get("probe")
    if facts:
        facts = ProbeFacts(**facts)
    else:  # a ladder made before the manifest kept them
        facts = probe(_local_copy(asset.original, folder))
    captions_sum = asset.captions.name if asset.captions else ""
    return ladder_revision(asset.checksum or asset.original.name, facts, captions_sum)


def outdated():
    """Finished videos whose ladder is not what the current settings make: [(asset, its revision,
    the current one)] by key. Videos waiting for or being transcoded are not finished, so never here."""
    found = []
    with tempfile.TemporaryDirectory(dir=work_root()) as folder:
        for asset in VideoAsset.objects.filter(status=Status.READY).exclude(outputs={}).order_by("key"):
            have = asset.outputs.get("revision", "")
            try:
                now = current_revision(asset, Path(folder))
            except (ProbeFailed, OSError):
                continue  # an original that cannot be read now: a re-transcode would fail too
            if have != now:
                found.append((asset, have, now))
    return found
