"""Building a lesson right is the easy path: the five steps are already there, labelled and in
order; no sixth step is offered; a course offers 添加一课; a Chinese title gets a pinyin slug."""

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.blocks.stream_block import StreamBlockAdapter
from wagtail.contrib.redirects.models import Redirect

from cms.catalogue.blocks import FiveStepsBlock
from cms.catalogue.five_steps import STEP_NAMES
from cms.catalogue.models import CoursePage, LessonPage
from cms.catalogue.slugs import pinyin_slug
from tests.lesson_forms import lesson_form
from transcoding.api import VideoAsset

pytestmark = pytest.mark.django_db
ORDER = list(STEP_NAMES)
LABELS = ["第 1 步 视频导入", "第 2 步 现场研讨", "第 3 步 问题总结", "第 4 步 作业巩固", "第 5 步 微课延伸"]


def add_url(course):
    return reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))


def stream_errors(response):
    found = re.findall(r'\{&quot;messages&quot;: \[(.*?)\]\}', response.content.decode())
    return [m for chunk in found for m in json.loads(html.unescape(f"[{chunk}]"))]


def test_a_new_lesson_starts_with_the_five_steps_in_order(editor_client):
    course = CoursePage.objects.live().first()
    response = editor_client.get(add_url(course))
    assert response.status_code == 200
    form = response.context["form"]
    assert [child.block_type for child in form.initial["body"]] == ORDER
    content = html.unescape(response.content.decode())  # the block definitions, as JSON for the editor
    positions = [max(content.find(label), content.find(json.dumps(label)[1:-1])) for label in LABELS]
    assert all(p >= 0 for p in positions), positions  # each step is labelled 第 N 步 …


def test_the_editor_offers_no_sixth_step():
    """What the admin's JavaScript is told: at most five blocks, each step at most once (Wagtail
    then disables every ⊕), and the class whose stylesheet hides the move/duplicate/delete controls."""
    block = FiveStepsBlock()
    block.set_name("body")
    meta = StreamBlockAdapter().js_args(block)[-1]
    assert meta["maxNum"] == 5
    assert meta["blockCounts"] == {name: {"max_num": 1} for name in ORDER}
    assert meta["classname"] == "gongyu-five-steps"


def test_problems_are_listed_from_step_1_to_step_5(editor_client):
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    response = editor_client.post(add_url(course), lesson_form("倒序的课", "reversed", list(reversed(ORDER)), video.pk))
    messages = stream_errors(response)
    steps = [int(m.split(" ")[1]) for m in messages if m.startswith("第 ")]
    assert steps == sorted(steps) and steps[0] == 1, messages
    response = editor_client.post(add_url(course), lesson_form("只有一步", "one-step", ORDER[:1], video.pk))
    assert stream_errors(response) == [f"缺少第 {i} 步「{label.split(' ')[-1]}」。" for i, label in enumerate(LABELS[1:], 2)]
    assert not LessonPage.objects.filter(slug__in=["reversed", "one-step"]).exists()


def test_a_course_offers_add_a_lesson_in_one_click(editor_client):
    course = CoursePage.objects.live().first()
    edit = editor_client.get(reverse("wagtailadmin_pages:edit", args=(course.pk,))).content.decode()
    assert f'href="{add_url(course)}"' in edit and "添加一课" in edit
    listing = editor_client.get(reverse("wagtailadmin_explore", args=(course.get_parent().pk,))).content.decode()
    assert f'href="{add_url(course)}"' in listing


def test_a_chinese_title_gets_a_short_unique_pinyin_slug(editor_client):
    assert pinyin_slug("孩子不听话怎么办") == "haizi-butinghua-zenmeban"
    assert len(pinyin_slug("如何陪伴孩子度过小学一年级的适应期——给新生家长的十个建议")) <= 40
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    for _ in range(2):  # the admin fills the slug with the Chinese title
        response = editor_client.post(add_url(course), lesson_form("孩子不听话怎么办", "孩子不听话怎么办", ORDER, video.pk))
        assert response.status_code == 302, stream_errors(response)
    slugs = sorted(LessonPage.objects.child_of(course).filter(title="孩子不听话怎么办").values_list("slug", flat=True))
    assert slugs == ["haizi-butinghua-zenmeban", "haizi-butinghua-zenmeban-2"]


def test_changing_a_published_slug_leaves_a_redirect(editor_client, django_capture_on_commit_callbacks):
    lesson = LessonPage.objects.live().first()
    old_path = lesson.url_path
    lesson.slug = "xin-de-lianjie"
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert lesson.slug == "xin-de-lianjie"  # an ASCII slug an editor typed is kept
    assert Redirect.objects.filter(redirect_page=lesson).exists(), old_path


def test_a_lesson_saved_with_no_slug_gets_one_from_its_title(editor_client):
    course = CoursePage.objects.live().first()
    video = VideoAsset.objects.first()
    response = editor_client.post(add_url(course), lesson_form("青春期的沟通", "", ORDER, video.pk))
    assert response.status_code == 302, stream_errors(response)
    assert LessonPage.objects.child_of(course).get(title="青春期的沟通").slug == "qingchunqi-de-goutong"


def test_a_new_page_is_not_autosaved_until_its_first_save(editor_client):
    """Wagtail 8 autosaves forms; on a page that does not exist yet, a save pressed while the first
    autosave is under way created a second draft. The create form therefore has no autosave; the
    edit form keeps it. The route in front of Wagtail's still needs an admin login."""
    course = CoursePage.objects.live().first()
    create = editor_client.get(add_url(course)).content.decode()
    form = re.search(r'<form[^>]*id="page-edit-form"[^>]*>', create, re.S).group(0)
    assert "w-autosave" not in form
    lesson = LessonPage.objects.child_of(course).first()
    edit = editor_client.get(reverse("wagtailadmin_pages:edit", args=(lesson.pk,))).content.decode()
    assert "w-autosave" in re.search(r'<form[^>]*id="page-edit-form"[^>]*>', edit, re.S).group(0)
    anonymous = Client().get(add_url(course))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
