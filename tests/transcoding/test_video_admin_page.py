"""The video's edit page and status over HTTP (Django's test client, real ffmpeg): 可以播放, the
pass and 约剩 m:ss only from a measurement, the ladder with sizes, the poster, the original without
an English 404 link, 重新转码 (confirmation in Chinese, POST, only for who may edit), and the
Chinese mail when a transcode fails. The live refresh and the player in chromium are in
tests/admin_ux/test_video_page.py."""

import email
import email.policy
from pathlib import Path

import pytest

from tests.security.roles import PASSWORD, studio_a, studio_b, studio_video, teacher_a, teacher_b  # noqa: F401  # noqa: F401 - fixtures
from tests.transcoding.media import video
from transcoding import jobs
from transcoding.api import store_video
from transcoding.models import VideoAsset

BASE = "/admin/snippets/transcoding/videoasset/"


@pytest.fixture
def ready_video(tmp_path, studio_a, teacher_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        asset = store_video(key="page-test", title="倾听孩子", path=video(tmp_path / "s.mp4", seconds=2, size="640x360"),
                            collection=studio_a.collection, transcode=False)
        jobs.run_job(asset.pk)
    asset.refresh_from_db()
    assert asset.status == "ready"
    return asset


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.django_db
def test_status_says_playable_the_phase_and_time_left_only_once_measured(editor_client):
    asset = VideoAsset.objects.order_by("pk").first()
    # the worker has started but measured nothing yet: no figure at all, not a guess
    VideoAsset.objects.filter(pk=asset.pk).update(status="processing", progress=0.01, eta_seconds=None, phase="encoding",
                                                  playable=False)
    status = editor_client.get(f"{BASE}status/?id={asset.pk}").json()["videos"][0]
    assert status["phase"] == "全部清晰度和音频一起转" and status["eta"] == "" and not status["playable"]
    # the ladder's first segments are live while the rest is being made
    VideoAsset.objects.filter(pk=asset.pk).update(progress=0.5, eta_seconds=95, phase="encoding", playable=True,
                                                  output_prefix="videos/hls/x/r/")
    status = editor_client.get(f"{BASE}status/?id={asset.pk}").json()["videos"][0]
    assert (status["label"], status["phase"], status["eta"], status["playable"]) == ("转码中", "全部清晰度和音频一起转", "约剩 1:35", True)
    assert status["master_url"] == f"{BASE}files/{asset.pk}/master.m3u8"
    listing = html(editor_client, BASE + "?status=processing")
    for text in ("可以播放", "全部清晰度和音频一起转", "约剩 1:35"):
        assert text in listing
    edit = html(editor_client, f"{BASE}edit/{asset.pk}/")
    assert "全部清晰度和音频一起转" in edit and "约剩 1:35" in edit and "可以播放" in edit
    # the homepage (editors: videos in progress)
    home = html(editor_client, "/admin/")
    assert asset.title in home and "全部清晰度和音频一起转" in home and "约剩 1:35" in home


@pytest.mark.django_db
def test_the_edit_page_shows_player_ladder_sizes_poster_and_no_english_404(client, teacher_a, ready_video):
    client.login(username="teacher_a", password=PASSWORD)
    page = html(client, f"{BASE}edit/{ready_video.pk}/")
    assert f'data-src="{BASE}files/{ready_video.pk}/master.m3u8"' in page
    assert "/static/transcoding/hls.min.js" in page and "//cdn" not in page
    assert f"{BASE}files/{ready_video.pk}/poster.jpg" in page
    rungs = ready_video.outputs["rungs"]
    assert [f"{r['width']}×{r['height']}" for r in rungs] == ["426×240", "640×360"]
    for rung in rungs:
        assert f"{rung['width']}×{rung['height']}" in page and f"{rung['bytes'] / 1_000_000:.1f} MB" in page
    assert "仅声音" in page and f"{ready_video.outputs['audio']['bytes'] / 1_000_000:.1f} MB" in page
    assert "重新转码" in page
    # 目前: the file's name, no link to /media/ (it opened an English "Not Found")
    assert "/media/videos/originals/" not in page and Path(ready_video.original.name).name in page
    for url in (f"{BASE}files/{ready_video.pk}/master.m3u8", f"{BASE}files/{ready_video.pk}/poster.jpg"):
        assert client.get(url).status_code == 200
    missing = client.get(f"{BASE}files/{ready_video.pk}/nothing.m3u8")
    assert missing.status_code == 404 and "Not Found" not in missing.content.decode()


@pytest.mark.django_db
def test_restart_asks_in_chinese_then_transcodes_again(client, teacher_a, ready_video, django_capture_on_commit_callbacks):
    client.login(username="teacher_a", password=PASSWORD)
    url = f"{BASE}restart/{ready_video.pk}/"
    confirm = html(client, url)
    assert f"确定要用保存的原始视频重新转码「{ready_video.title}」吗?" in confirm and "确定,重新转码" in confirm
    assert VideoAsset.objects.get(pk=ready_video.pk).status == "ready"  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, follow=True)
    assert callbacks, "the job was queued"
    assert "已重新排队转码" in response.content.decode()
    asset = VideoAsset.objects.get(pk=ready_video.pk)
    assert asset.status == "ready" and asset.transcoded_at is not None and asset.attempts == 1
    # while a job waits or runs, there is nothing to restart
    VideoAsset.objects.filter(pk=asset.pk).update(status="pending")
    assert "正在排队或转码中" in html(client, url)
    client.post(url)
    assert VideoAsset.objects.get(pk=asset.pk).status == "pending"


@pytest.mark.django_db
def test_restart_needs_csrf(teacher_a, ready_video):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.login(username="teacher_a", password=PASSWORD)
    assert strict.post(f"{BASE}restart/{ready_video.pk}/").status_code == 403
    assert VideoAsset.objects.get(pk=ready_video.pk).status == "ready"


@pytest.mark.django_db
def test_another_studios_teacher_gets_404_on_preview_and_restart(client, teacher_b, ready_video):
    client.login(username="teacher_b", password=PASSWORD)
    for url in (f"{BASE}files/{ready_video.pk}/master.m3u8", f"{BASE}files/{ready_video.pk}/poster.jpg",
                f"{BASE}restart/{ready_video.pk}/", f"{BASE}edit/{ready_video.pk}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert ready_video.title not in response.content.decode()
    assert client.post(f"{BASE}restart/{ready_video.pk}/").status_code == 404
    assert VideoAsset.objects.get(pk=ready_video.pk).status == "ready"


@pytest.mark.django_db
def test_a_failing_source_mails_the_uploader_in_chinese_and_shows_on_the_homepage(
        client, teacher_a, studio_a, tmp_path, settings, django_capture_on_commit_callbacks):
    mail_dir = Path(settings.VAR_DIR) / "mail"  # the project's setting when no GONGYU_EMAIL_HOST is set
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    before = set(mail_dir.glob("*")) if mail_dir.exists() else set()
    asset = store_video(key="bad-source", title="坏掉的原始视频", path=video(tmp_path / "b.mp4", seconds=1, size="320x180"),
                        collection=studio_a.collection, transcode=False)
    VideoAsset.objects.filter(pk=asset.pk).update(uploaded_by=teacher_a)
    Path(asset.original.path).write_bytes(b"\x00" * 4096)  # the stored original went bad
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.run_job(asset.pk) == "failed"
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in set(mail_dir.glob("*")) - before]
    failed = [m for m in messages if "坏掉的原始视频" in m["Subject"]]
    assert len(failed) == 1, [m["Subject"] for m in messages]
    message = failed[0]
    assert message["Subject"].strip() == "【共育】视频「坏掉的原始视频」转码失败" and message["To"] == "teacher_a@example.edu.cn"
    body = message.get_content()
    assert "转码失败了" in body and "无法读取原始视频,文件可能已损坏。请重新上传。" in body
    assert f"{BASE}edit/{asset.pk}/" in body
    client.login(username="teacher_a", password=PASSWORD)
    home = html(client, "/admin/")
    assert "视频「坏掉的原始视频」转码失败:无法读取原始视频,文件可能已损坏。请重新上传。" in home
