"""The transcoding job with real ffmpeg and the real storage: outcomes, failures, retries, and a
worker process killed mid-job."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.transcoding.media import video
from transcoding import jobs
from transcoding.api import VideoAsset, copy_outputs, playback, store_video, transcode_now

REPO = Path(__file__).resolve().parents[2]


def new_asset(tmp_path, name="clip", **video_args):
    source = video(tmp_path / f"{name}.mp4", **{"seconds": 2, "size": "640x360", **video_args})
    return store_video(key=f"t-{name}", title=f"测试视频 {name}", path=source, checksum=name, transcode=False)


def ladder_ffmpegs(asset):
    """Pids of the ffmpeg making ``asset``'s ladder (the one with a var_stream_map)."""
    return subprocess.run(["pgrep", "-f", f"ffmpeg .*{asset.original.name}.*var_stream_map"],
                          capture_output=True, text=True).stdout.split()


@pytest.mark.django_db
def test_a_job_makes_the_ladder_in_storage_and_playback_describes_it(tmp_path):
    asset = new_asset(tmp_path)
    assert asset.status == "pending" and asset.width == 640 and asset.has_audio
    assert transcode_now(asset) == "ready"
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.progress == 1.0 and asset.playable and asset.attempts == 1
    info = playback(asset)
    assert info.root == asset.output_prefix and info.root.startswith("videos/hls/t-clip/")
    assert info.audio == "audio/index.m3u8" and info.poster == "poster.jpg" and info.has_audio
    for relative in info.files:
        assert default_storage.exists(info.root + relative)
    copied = copy_outputs(asset, tmp_path / "site" / "v")
    assert copied == info
    assert (tmp_path / "site" / "v" / "master.m3u8").read_text().startswith("#EXTM3U")


@pytest.mark.django_db
def test_running_a_finished_job_again_changes_nothing(tmp_path):
    asset = new_asset(tmp_path)
    transcode_now(asset)
    asset.refresh_from_db()
    master = Path(default_storage.path(asset.output_prefix + "master.m3u8"))
    before = master.stat().st_mtime_ns
    assert transcode_now(asset) == "nothing to do"
    assert master.stat().st_mtime_ns == before
    asset.refresh_from_db()
    assert asset.attempts == 1


@pytest.mark.django_db
def test_bad_input_fails_at_once_with_a_reason_and_keeps_the_original(tmp_path):
    asset = new_asset(tmp_path)
    original = Path(asset.original.path)
    original.write_bytes(b"\x00" * 4096)  # the stored file went bad after the upload check
    assert transcode_now(asset) == "failed"
    asset.refresh_from_db()
    assert asset.status == "failed" and asset.attempts == 1
    assert "无法读取原始视频" in asset.error
    assert asset.retryable and original.exists()


@pytest.mark.django_db
def test_a_killed_ffmpeg_is_retried_and_the_retry_gives_the_full_ladder(tmp_path, django_capture_on_commit_callbacks):
    asset = new_asset(tmp_path, "killed", seconds=6, size="1280x720")
    stop = threading.Event()

    def kill_first_ffmpeg_ladder_pass():
        while not stop.is_set():
            out = ladder_ffmpegs(asset)
            if out:
                os.kill(int(out[0]), signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_ffmpeg_ladder_pass)
    killer.start()
    try:
        # The immediate backend of the tests runs the retry at once (the worker would wait 30 s).
        with django_capture_on_commit_callbacks(execute=True):
            assert transcode_now(asset) == "retrying"
    finally:
        stop.set()
        killer.join()
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.attempts == 2
    assert [r["name"] for r in asset.outputs["rungs"]] == ["240p", "360p", "540p", "720p"]


def worker_database_url():
    """The test database (SQLite file or PostgreSQL), for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_job_leaves_the_video_retryable_and_the_retry_completes(tmp_path):
    asset = new_asset(tmp_path, "worker", seconds=20, size="1280x720")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(settings.VAR_DIR),
           "DATABASE_URL": worker_database_url()}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", f"from transcoding.jobs import run_job; run_job({asset.pk})"],
        cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            asset.refresh_from_db()
            if asset.status == "processing" and asset.progress > 0.05:
                break
            assert worker.poll() is None, worker.stderr.read()
            time.sleep(0.2)
        else:
            pytest.fail("the worker never reported progress")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)  # the worker and its ffmpeg children
        worker.wait()
    asset.refresh_from_db()
    assert asset.status == "processing" and not asset.retryable  # it may still be running, as far as we know
    assert list((Path(settings.VAR_DIR) / "transcode").glob(f"{asset.key}-*"))  # its half-done work
    with override_settings(GONGYU_TRANSCODE_STALE_SECONDS=0):
        asset.refresh_from_db()
        assert asset.interrupted and asset.retryable
        assert jobs.retry(asset)
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.error == ""
    assert [r["name"] for r in asset.outputs["rungs"]] == ["240p", "360p", "540p", "720p"]
    assert not list((Path(settings.VAR_DIR) / "transcode").glob(f"{asset.key}-*"))
    master = default_storage.open(asset.output_prefix + "master.m3u8").read().decode()
    assert master.count("#EXT-X-STREAM-INF") == 5
    # nothing of the killed run is left beside the finished ladder
    folder = Path(default_storage.path(f"videos/hls/{asset.key}/"))
    assert [p.name for p in folder.iterdir()] == [asset.output_prefix.rstrip("/").rsplit("/", 1)[-1]]


def test_the_cli_prints_a_summary_and_refuses_bad_input_in_chinese(tmp_path):
    source = video(tmp_path / "lesson.mp4", seconds=2, size="854x480")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run([sys.executable, "manage.py", "transcode", str(source), "--out", str(tmp_path / "out")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    import json

    summary = json.loads(done.stdout)
    assert [(r["name"], r["resolution"]) for r in summary["rungs"]] == [("240p", "426x240"), ("360p", "640x360")]
    assert all(r["bytes"] > 0 and r["bitrate_kbps"] > 0 for r in summary["rungs"])
    assert summary["audio_only"]["playlist"] == "audio/index.m3u8" and summary["poster"] == "poster.jpg"
    assert 1.9 < summary["duration"] < 2.2 and summary["wall_seconds"] > 0
    assert (tmp_path / "out" / "master.m3u8").exists()

    bad = tmp_path / "notes.mp4"
    bad.write_text("不是视频", encoding="utf-8")
    refused = subprocess.run([sys.executable, "manage.py", "transcode", str(bad)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "无法识别这个文件:它不是视频,或者已经损坏" in refused.stderr


def rendition_playlists(prefix):
    root = Path(default_storage.path(prefix))
    return {path.parent.name: path.read_text() for path in root.glob("*/index.m3u8") if path.parent.name != "captions"}


@pytest.mark.django_db
def test_a_ladder_stopped_half_way_is_never_shown_as_finished_and_the_retry_starts_clean(
        tmp_path, settings, django_capture_on_commit_callbacks):
    settings.GONGYU_TRANSCODE_MAX_ATTEMPTS = 1
    asset = new_asset(tmp_path, "halfway", seconds=20, size="1280x720")
    folder = Path(default_storage.path(f"videos/hls/{asset.key}/"))
    stop, seen = threading.Event(), {}

    def kill_the_ladder_once_playable():
        while not stop.is_set():
            masters = list(folder.glob("*/master.m3u8"))
            pids = ladder_ffmpegs(asset)
            if masters and pids:
                seen["playlist"] = (masters[0].parent / "240p" / "index.m3u8").read_text()
                os.kill(int(pids[0]), signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_ladder_once_playable)
    killer.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert transcode_now(asset) == "failed"
    finally:
        stop.set()
        killer.join()
    # it was playable (a growing playlist) when ffmpeg died…
    assert seen, "ffmpeg ended before the video was playable"
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in seen["playlist"] and "#EXT-X-ENDLIST" not in seen["playlist"]
    # …and now nothing of it is left or offered: no player, nothing for the parent site
    asset.refresh_from_db()
    assert asset.status == "failed" and not asset.playable and asset.output_prefix == ""
    assert playback(asset) is None and playback(asset, reviewed=True) is None
    assert not folder.exists() or not any(folder.rglob("*"))
    # 重试 starts from an empty folder and ends with finished playlists only
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retry(asset)
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.playable and asset.live_prefix == asset.output_prefix
    found = rendition_playlists(asset.output_prefix)
    assert sorted(found) == ["240p", "360p", "540p", "720p", "audio"]
    for text in found.values():
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert [p.name for p in folder.iterdir()] == [asset.output_prefix.rstrip("/").rsplit("/", 1)[-1]]


@pytest.mark.django_db
def test_transcoding_again_with_the_same_settings_never_writes_over_the_finished_ladder(
        tmp_path, django_capture_on_commit_callbacks):
    asset = new_asset(tmp_path, "again")
    with django_capture_on_commit_callbacks(execute=True):
        assert transcode_now(asset) == "ready"
    asset.refresh_from_db()
    first, revision = asset.output_prefix, asset.outputs["revision"]
    first_master = default_storage.open(first + "master.m3u8").read()
    seen = []

    def watch():  # the finished ladder, as the edit page and a publish read it while the new one grows
        while not done.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.append(default_storage.open(first + "master.m3u8").read() == first_master)
            time.sleep(0.05)

    done = threading.Event()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.restart(asset)
    finally:
        done.set()
        watcher.join()
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.outputs["revision"] == revision
    assert asset.output_prefix != first and asset.output_prefix.startswith(first.rstrip("/") + "-")
    assert seen and all(seen)
    # the new ladder is what the site shows now; the old folder is gone
    assert asset.live_prefix == asset.output_prefix and not default_storage.exists(first + "master.m3u8")


@pytest.mark.django_db
def test_transcode_outdated_lists_then_queues_old_ladders_within_the_limit_once(
        tmp_path, settings, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    assets = [new_asset(tmp_path, name, seconds=1, size="320x180") for name in ("a", "b", "c")]
    for asset in assets:
        with django_capture_on_commit_callbacks(execute=True):
            assert transcode_now(asset) == "ready"

    def run(**options):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=False) as queued:
            call_command("transcode", outdated=True, stdout=out, **options)
        return out.getvalue(), len(queued)

    assert run() == ("没有需要重新转码的视频:已完成的视频都是按当前转码设置转的。\n", 0)
    settings.GONGYU_X264_CRF = 30  # a setting that changes every ladder
    VideoAsset.objects.filter(pk=assets[2].pk).update(status="processing", heartbeat_at=timezone.now())  # busy now
    text, queued = run(limit=1)
    assert queued == 0
    lines = text.splitlines()
    assert lines[0] == "有 2 个已完成的视频是按旧的转码设置转的,需要重新转码,下面是前 1 个(--limit 1):"
    old = VideoAsset.objects.get(pk=assets[0].pk).outputs["revision"]
    assert lines[1].startswith(f"  t-a《测试视频 a》 版本 {old} → ") and len(lines) == 3
    assert "t-c" not in text  # being transcoded: never touched
    assert VideoAsset.objects.get(pk=assets[0].pk).status == "ready"  # listing changes nothing

    text, queued = run(limit=1, yes=True)
    assert queued == 1
    assert text.splitlines()[0] == "有 2 个已完成的视频是按旧的转码设置转的,已安排其中 1 个重新转码,另外 1 个留到下一次(--limit 1):"
    assert VideoAsset.objects.get(pk=assets[0].pk).status == "pending"
    text, queued = run(yes=True)  # the default limit takes the rest; the queued one is not queued again
    assert queued == 1 and "t-b" in text and "t-a" not in text
    assert run(yes=True) == ("没有需要重新转码的视频:已完成的视频都是按当前转码设置转的。\n", 0)
    assert VideoAsset.objects.get(pk=assets[2].pk).status == "processing"
