"""Forms check what they point at; bulk delete refuses media that live pages show."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cms.catalogue.models import CoursePage, LessonPage
from tests.lesson_forms import lesson_form
from tests.security.roles import draft_lesson, studio_video
from transcoding.api import VideoAsset, videos_in_use

STEPS = ["video_intro", "discussion", "summary", "homework", "extension"]


def course_of(role):
    return CoursePage.objects.descendant_of(role.studio).order_by("path").first()


@pytest.mark.django_db
def test_a_lesson_cannot_use_another_studios_video(client, teacher_b, studio_a, studio_b):
    client.force_login(teacher_b)
    course = course_of(studio_b)
    url = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
    theirs = studio_video(studio_a)
    theirs.title = "别人的视频 REF-MARK-91c0"
    theirs.save()
    response = client.post(url, lesson_form("借用视频", "borrowed-video", STEPS, theirs.pk, publish=False))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"不能使用编号为 {theirs.pk} 的视频:它不在你有权限的文件夹里。" in body
    assert "REF-MARK-91c0" not in body  # the form shown again does not name their video
    assert not LessonPage.objects.filter(slug="borrowed-video").exists()

    own = studio_video(studio_b)
    response = client.post(url, lesson_form("自己的视频", "own-video", STEPS, own.pk, publish=False))
    assert response.status_code == 302
    assert LessonPage.objects.filter(slug="own-video").exists()


@pytest.mark.django_db
def test_bulk_delete_refuses_a_video_that_a_live_page_shows(client, editor_user, studio_a):
    client.force_login(editor_user)
    video = studio_video(studio_a)
    pages = videos_in_use(video)
    assert pages  # the demo's live lessons show it
    url = reverse("wagtail_bulk_action", args=("transcoding", "videoasset", "delete")) + f"?id={video.pk}"
    response = client.post(url)
    assert response.status_code == 302
    assert VideoAsset.objects.filter(pk=video.pk).exists()
    message = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert message.startswith(f"不能删除:视频「{video.title}」正被已发布的页面使用(「{pages[0].title}」")
    assert message.endswith("。请先在这些页面里换掉视频或取消发布。")


@pytest.mark.django_db
def test_bulk_actions_never_reach_another_studios_objects(client, teacher_b, studio_a):
    client.force_login(teacher_b)
    video = studio_video(studio_a)
    url = reverse("wagtail_bulk_action", args=("transcoding", "videoasset", "delete")) + f"?id={video.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert VideoAsset.objects.filter(pk=video.pk).exists()
    # "select all" under another studio's page lists only what is public there
    draft_lesson(studio_a, "REF-DRAFT-5a1e", slug="ref-draft")
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
    response = client.get(url + f"?id=all&childOf={studio_a.studio.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "REF-DRAFT-5a1e" not in body
    assert course_of(studio_a).title in body  # a live course: public, listed as not yours
