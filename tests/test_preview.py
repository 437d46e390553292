"""Every page type renders in Django (the admin's "view live" and preview) and shows its content as text."""

import pytest

from cms.catalogue.five_steps import STEP_LABELS
from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioPage, SupermarketPage
from cms.topics.models import TopicBankPage


@pytest.mark.django_db
@pytest.mark.parametrize("model", [SupermarketPage, StudioPage, CoursePage, LessonPage, MicroLessonPage, TopicBankPage])
def test_each_page_type_renders(editor_client, model):
    page = model.objects.live().first()
    response = editor_client.get(page.get_url())
    assert response.status_code == 200
    assert page.title in response.content.decode()


@pytest.mark.django_db
def test_a_lesson_shows_the_five_steps_in_order(editor_client):
    lesson = LessonPage.objects.live().first()
    html = editor_client.get(lesson.get_url()).content.decode()
    positions = [html.index(f"第 {i} 步 {label}") for i, label in enumerate(STEP_LABELS.values(), start=1)]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_a_hostile_title_is_shown_as_text(editor_client):
    course = CoursePage.objects.live().first()
    course.title = "<script>alert(1)</script>"
    course.save_revision().publish()
    html = editor_client.get(course.get_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
