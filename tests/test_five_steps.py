"""五步教学法: exactly five steps, each once, in order — in code, in the model and in the admin."""

import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cms.catalogue.five_steps import STEP_NAMES, step_problems
from cms.catalogue.models import CoursePage, LessonPage
from tests.lesson_forms import lesson_form
from transcoding.api import VideoAsset

ORDER = list(STEP_NAMES)


def stream_errors(response):
    """The StreamField's error messages, as the admin's JavaScript receives them to display."""
    found = re.findall(r'\{&quot;messages&quot;: \[(.*?)\]\}', response.content.decode())
    return " ".join(m for chunk in found for m in json.loads(html.unescape(f"[{chunk}]")))


def test_the_five_steps_in_order_are_accepted():
    assert step_problems(ORDER) == []


@pytest.mark.parametrize(
    "names, expected",
    [
        (ORDER[:2] + ORDER[3:], ["缺少第 3 步「问题总结」。"]),
        (ORDER + ["homework"], ["第 4 步「作业巩固」出现了 2 次,每一步只能有一次。"]),
        (["discussion", "video_intro"] + ORDER[2:], ["第 1 步应为「视频导入」,现在是「现场研讨」。",
                                                     "第 2 步应为「现场研讨」,现在是「视频导入」。"]),
        ([], [f"缺少第 {i} 步" for i in range(1, 6)]),
        (ORDER[:4] + ["quiz"], ["未知的步骤「quiz」", "缺少第 5 步「微课延伸」。"]),
    ],
)
def test_each_wrong_shape_names_the_step(names, expected):
    messages = step_problems(names)
    for fragment in expected:
        assert any(fragment in message for message in messages), (fragment, messages)


@pytest.mark.django_db
def test_a_lesson_with_four_steps_cannot_be_saved_in_code():
    lesson = LessonPage.objects.live().first()
    lesson.body = [(c.block_type, c.value) for c in lesson.body if c.block_type != "homework"]
    with pytest.raises(ValidationError) as caught:
        lesson.full_clean()
    assert "缺少第 4 步「作业巩固」。" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "names, message",
    [
        (ORDER[:2] + ORDER[3:], "缺少第 3 步「问题总结」"),
        (ORDER[:3] + ["summary"] + ORDER[3:], "第 3 步「问题总结」出现了 2 次"),
        (["video_intro", "summary", "discussion", "homework", "extension"], "第 2 步应为「现场研讨」,现在是「问题总结」"),
    ],
)
def test_the_admin_refuses_a_wrong_lesson_and_says_which_step(editor_client, names, message):
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    url = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
    response = editor_client.post(url, lesson_form("错误的课", "wrong-lesson", names, video.pk))
    assert response.status_code == 200  # the form comes back with the error, nothing saved
    assert "无法创建页面" in response.content.decode()  # the banner, in Chinese
    assert message in stream_errors(response)
    assert not LessonPage.objects.filter(slug="wrong-lesson").exists()


@pytest.mark.django_db
def test_the_admin_publishes_a_complete_lesson(editor_client):
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    url = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
    response = editor_client.post(url, lesson_form("完整的一课", "complete-lesson", ORDER, video.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = LessonPage.objects.get(slug="complete-lesson")
    assert lesson.live
    assert [child.block_type for child in lesson.body] == ORDER
    assert lesson.step("video_intro")["video"] == video


@pytest.mark.django_db
def test_even_a_draft_must_have_five_steps(editor_client):
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    url = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
    data = lesson_form("草稿课", "draft-lesson", ORDER[:4], video.pk, publish=False)
    response = editor_client.post(url, data)
    assert "缺少第 5 步「微课延伸」" in stream_errors(response)
    assert not LessonPage.objects.filter(slug="draft-lesson").exists()
