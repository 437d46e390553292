"""A finished transcode reaches the parent site by itself, and a replaced video waits for review.

The worker's own code path runs (``transcoding.api.transcode_now`` is ``jobs.run_job``; the test
task backend runs queued tasks at once), and the commit hooks run as after a real commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.catalogue.models import LessonPage
from cms.publishing.api import publish
from tests.transcoding.media import video
from transcoding.api import VideoAsset, playback, transcode_now

pytestmark = pytest.mark.django_db
PENDING = "视频正在准备中"


def page_html(out, page):
    return (out / page.url_path[len("/home/"):] / "index.html").read_text()


def lesson_with_untranscoded_video():
    for lesson in LessonPage.objects.live().order_by("path"):
        asset = lesson.step("video_intro")["video"]
        if playback(asset) is None and not asset.live_prefix:
            return lesson, asset
    raise AssertionError("the demo has no lesson with a video still to transcode")


@pytest.fixture
def auto_site(settings, tmp_path):
    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = tmp_path / "site"
    return settings.SITE_OUTPUT_DIR


def test_a_lesson_published_while_its_video_transcodes_gets_the_player_with_no_other_publish(
        auto_site, django_capture_on_commit_callbacks):
    lesson, asset = lesson_with_untranscoded_video()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "视频还在转码时发布的课"
        lesson.save_revision().publish()
    assert PENDING in page_html(auto_site, lesson)

    # The worker finishes the transcode; nothing else happens.
    with django_capture_on_commit_callbacks(execute=True):
        assert transcode_now(asset) == "ready"
    html = page_html(auto_site, lesson)
    assert PENDING not in html
    asset.refresh_from_db()
    revision = asset.output_prefix.strip("/").rsplit("/", 1)[-1]
    assert f'data-master="/v/{asset.key}/{revision}/master.m3u8"' in html
    assert (auto_site / "v" / asset.key / revision / "master.m3u8").exists()


def test_progress_heartbeats_do_not_change_the_pages(auto_site):
    lesson, asset = lesson_with_untranscoded_video()
    publish(auto_site)
    VideoAsset.objects.filter(pk=asset.pk).update(progress=0.5, eta_seconds=12, status="processing")
    assert publish(auto_site).written == []


def test_a_teacher_replacing_a_live_videos_file_leaves_the_reviewed_video_on_the_site(
        auto_site, client, teacher_a, studio_a, django_capture_on_commit_callbacks, tmp_path, editor_client):
    lesson = LessonPage.objects.live().descendant_of(studio_a.studio).order_by("path").first()
    asset = lesson.step("video_intro")["video"]
    with django_capture_on_commit_callbacks(execute=True):
        transcode_now(asset)
    asset.refresh_from_db()
    reviewed = asset.live_prefix
    assert reviewed, "a first transcode is what the site shows"
    publish(auto_site)
    reviewed_master = f'data-master="/v/{asset.key}/{reviewed.strip("/").rsplit("/", 1)[-1]}/master.m3u8"'
    assert reviewed_master in page_html(auto_site, lesson)

    # The studio teacher uploads a different file for the same video.
    client.force_login(teacher_a)
    source = video(tmp_path / "new-take.mp4", seconds=2, size="480x270")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/snippets/transcoding/videoasset/edit/{asset.pk}/", {
            "title": asset.title, "key": asset.key, "collection": asset.collection_id,
            "original": SimpleUploadedFile("new-take.mp4", source.read_bytes(), content_type="video/mp4"),
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.output_prefix != reviewed     # transcoded…
    assert asset.live_prefix == reviewed                                  # …but not reviewed yet
    with django_capture_on_commit_callbacks(execute=True):
        publish(auto_site)
    assert reviewed_master in page_html(auto_site, lesson)                # parents still see the old one

    # An editor approves the page again: the new file goes to the site with it.
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    asset.refresh_from_db()
    assert asset.live_prefix == asset.output_prefix
    html = page_html(auto_site, lesson)
    assert reviewed_master not in html
    assert f'/v/{asset.key}/{asset.output_prefix.strip("/").rsplit("/", 1)[-1]}/master.m3u8' in html
