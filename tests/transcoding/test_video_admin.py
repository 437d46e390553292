"""Videos in the Wagtail admin over HTTP: upload checks, live status, retry, deletion refused while
in use, and each studio seeing only its own videos."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection

from cms.catalogue.models import LessonPage, MicroLessonPage
from tests.security.roles import PASSWORD, studio_a, studio_b, studio_video, teacher_a, teacher_b  # noqa: F401  # noqa: F401 - fixtures
from tests.transcoding.media import video
from transcoding.models import VideoAsset

BASE = "/admin/snippets/transcoding/videoasset/"


def originals():
    folder = Path(settings.MEDIA_ROOT) / "videos" / "originals"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def upload(client, path, *, title="亲子沟通第一课", captions=None, collection=None):
    data = {
        "title": title, "key": "",
        "collection": collection or Collection.get_first_root_node().pk,
        "original": SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/mp4"),
    }
    if captions is not None:
        data["captions"] = SimpleUploadedFile("zh.vtt", captions, content_type="text/vtt")
    return client.post(BASE + "add/", data)


@pytest.mark.django_db
def test_an_upload_is_checked_queued_and_transcoded(editor_client, tmp_path, django_capture_on_commit_callbacks):
    source = video(tmp_path / "phone.mp4", seconds=2, size="640x360")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(editor_client, source,
                          captions="WEBVTT\n\n00:00.000 --> 00:01.000\n大家好\n".encode())
    assert response.status_code == 302
    asset = VideoAsset.objects.get(title="亲子沟通第一课")
    assert (asset.width, asset.height, asset.has_audio) == (640, 360, True)
    assert asset.status == "ready" and asset.outputs["captions"] == "captions.vtt"
    listing = editor_client.get(BASE).content.decode()
    assert "亲子沟通第一课" in listing and "已完成" in listing
    # the ladder's files are reachable for the admin preview, and only there
    master = editor_client.get(f"{BASE}files/{asset.pk}/master.m3u8")
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    assert editor_client.get(f"{BASE}files/{asset.pk}/../../../secret_key").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.4 not a video" * 50, "无法识别这个文件"),
    (b"", "空文件"),
])
def test_a_bad_upload_is_refused_in_chinese_and_nothing_is_stored(editor_client, tmp_path, content, message):
    path = tmp_path / "lesson.mp4"
    path.write_bytes(content)
    before, count = originals(), VideoAsset.objects.count()
    response = upload(editor_client, path, title="坏文件")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert VideoAsset.objects.count() == count and originals() == before


@pytest.mark.django_db
def test_broken_captions_are_refused_and_the_video_is_not_stored(editor_client, tmp_path):
    source = video(tmp_path / "ok.mp4", seconds=1, size="320x180")
    before = originals()
    response = upload(editor_client, source, title="字幕坏了", captions="1\n00:00:01,000 --> 00:00:02,000\n你好\n".encode())
    assert "这不是 WebVTT 字幕" in response.content.decode()
    assert not VideoAsset.objects.filter(title="字幕坏了").exists() and originals() == before


@pytest.mark.django_db
def test_a_failed_video_shows_why_and_a_retry_button_that_works(editor_client, django_capture_on_commit_callbacks):
    asset = VideoAsset.objects.order_by("pk").first()
    VideoAsset.objects.filter(pk=asset.pk).update(status="failed", error="转码多次没有成功(测试)。")
    listing = editor_client.get(BASE + "?status=failed").content.decode()
    assert "转码多次没有成功(测试)。" in listing and f"{BASE}retry/{asset.pk}/" in listing and "重试" in listing
    status = editor_client.get(f"{BASE}status/?id={asset.pk}").json()["videos"][0]
    assert status["status"] == "failed" and status["retryable"] and status["label"] == "失败"
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(f"{BASE}retry/{asset.pk}/").status_code == 302
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.error == ""


@pytest.mark.django_db
def test_status_shows_progress_and_time_left_while_transcoding(editor_client):
    asset = VideoAsset.objects.order_by("pk").first()
    VideoAsset.objects.filter(pk=asset.pk).update(status="processing", progress=0.42, eta_seconds=75)
    listing = editor_client.get(BASE + "?status=processing").content.decode()
    assert 'value="42.0"' in listing and "约剩 1:15" in listing and "转码中" in listing
    status = editor_client.get(f"{BASE}status/?id={asset.pk}").json()["videos"][0]
    assert status["progress"] == 42.0 and status["eta_seconds"] == 75 and not status["retryable"]


@pytest.mark.django_db
def test_a_video_shown_by_a_live_page_cannot_be_deleted(editor_client):
    micro = MicroLessonPage.objects.live().exclude(video=None).first()
    lesson = LessonPage.objects.live().first()
    lesson_video = lesson.body[0].value["video"]
    for asset in (micro.video, lesson_video):
        response = editor_client.post(f"{BASE}delete/{asset.pk}/", follow=True)
        assert "不能删除:这段视频正被已发布的页面使用" in response.content.decode()
        assert VideoAsset.objects.filter(pk=asset.pk).exists()


@pytest.mark.django_db
def test_an_unused_video_can_be_deleted(editor_client, tmp_path):
    from transcoding.api import store_video

    asset = store_video(key="unused", title="没人用", path=video(tmp_path / "u.mp4", seconds=1, size="320x180"),
                        transcode=False)
    editor_client.post(f"{BASE}delete/{asset.pk}/")
    assert not VideoAsset.objects.filter(pk=asset.pk).exists()


@pytest.mark.django_db
def test_a_teacher_sees_and_chooses_only_the_own_studios_videos(client, teacher_a, studio_a, studio_b):
    client.login(username="teacher_a", password=PASSWORD)
    own, other = studio_video(studio_a), studio_video(studio_b)
    listing = client.get(BASE).content.decode()
    assert own.title in listing and other.title not in listing
    chooser = "".join(client.get(f"/admin/snippets/choose/transcoding/videoasset/?p={page}").json()["html"]
                      for page in (1, 2))
    assert own.title in chooser and other.title not in chooser
    assert client.get(f"{BASE}edit/{own.pk}/").status_code == 200
    for url in (f"{BASE}edit/{other.pk}/", f"{BASE}usage/{other.pk}/", f"{BASE}history/{other.pk}/",
                f"{BASE}delete/{other.pk}/", f"{BASE}files/{other.pk}/master.m3u8",
                f"/admin/snippets/choose/transcoding/videoasset/chosen/{other.pk}/"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert other.title not in response.content.decode()
    assert client.post(f"{BASE}retry/{other.pk}/").status_code == 404
    assert client.get(f"{BASE}status/?id={other.pk}").json() == {"videos": []}


@pytest.mark.django_db
def test_a_teacher_uploads_only_into_the_own_studio(client, teacher_a, studio_a, studio_b, tmp_path):
    client.login(username="teacher_a", password=PASSWORD)
    form = client.get(BASE + "add/").content.decode()
    assert studio_a.collection.name in form and studio_b.collection.name not in form
    response = upload(client, video(tmp_path / "x.mp4", seconds=1, size="320x180"), title="越权上传",
                      collection=studio_b.collection.pk)
    assert response.status_code == 200 and not VideoAsset.objects.filter(title="越权上传").exists()
