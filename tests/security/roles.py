"""Users in each role, and objects that belong to one studio or school (shared by tests/security
and tests/studios: ``from tests.security.roles import *`` in a conftest)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.catalogue.models import CoursePage, LessonPage
from cms.studios.api import EDITORS, SchoolRole, StudioRole
from transcoding.api import VideoAsset

PASSWORD = "pw-Gongyu-2026!"


def make_user(django_user_model, username, *groups):
    user = django_user_model.objects.create_user(username, f"{username}@example.edu.cn", PASSWORD)
    user.groups.add(*groups)
    return user


@pytest.fixture
def studio_a(db):
    return StudioRole.objects.order_by("studio__path")[0]


@pytest.fixture
def studio_b(db):
    return StudioRole.objects.order_by("studio__path")[1]


@pytest.fixture
def school_a(db):
    return SchoolRole.objects.order_by("school__code")[0]


@pytest.fixture
def school_b(db):
    return SchoolRole.objects.order_by("school__code")[1]


@pytest.fixture
def teacher_a(django_user_model, studio_a):
    return make_user(django_user_model, "teacher_a", studio_a.group)


@pytest.fixture
def teacher_b(django_user_model, studio_b):
    return make_user(django_user_model, "teacher_b", studio_b.group)


@pytest.fixture
def editor_user(django_user_model):
    return make_user(django_user_model, "editor_user", Group.objects.get(name=EDITORS))


@pytest.fixture
def school_admin_a(django_user_model, school_a):
    return make_user(django_user_model, "school_a", school_a.group)


@pytest.fixture
def school_admin_b(django_user_model, school_b):
    return make_user(django_user_model, "school_b", school_b.group)


def lesson_body(video):
    return [
        {"type": "video_intro", "value": {"video": video.pk, "text": "导入语"}},
        {"type": "discussion", "value": {"text": "", "prompts": ["讨论题"], "cases": []}},
        {"type": "summary", "value": {"text": "", "points": ["要点"]}},
        {"type": "homework", "value": {"text": "", "tasks": [{"title": "作业", "text": "每天倾听十分钟。"}]}},
        {"type": "extension", "value": {"text": "", "micro_lessons": []}},
    ]


def studio_video(role):
    return VideoAsset.objects.filter(collection=role.collection).order_by("pk").first()


def draft_lesson(role, marker, *, slug="secret-draft"):
    """A never-published course with one draft lesson under ``role``'s studio, titled ``marker``."""
    course = CoursePage(title=f"草稿课程 {marker}", slug=f"{slug}-course", summary=marker, live=False)
    role.studio.add_child(instance=course)
    course.save_revision()
    lesson = LessonPage(title=f"草稿课 {marker}", slug=slug, summary=marker, live=False,
                        body=lesson_body(studio_video(role)))
    course.add_child(instance=lesson)
    lesson.save_revision()
    return lesson


def studio_document(role, marker):
    Document = get_document_model()
    doc = Document(title=f"讲义 {marker}", collection=role.collection)
    doc.file.save(f"handout-{role.pk}.txt", ContentFile(f"讲义内容 {marker}".encode()), save=False)
    doc._set_document_file_metadata()
    doc.save()
    return doc


def studio_image(role, marker):
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 80, 80)).save(buffer, "PNG")
    image = get_image_model()(title=f"图片 {marker}", collection=role.collection)
    image.file.save(f"picture-{role.pk}.png", ContentFile(buffer.getvalue()), save=False)
    image._set_image_file_metadata()
    image.width, image.height = 40, 30
    image.save()
    return image
