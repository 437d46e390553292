"""One vocabulary: the site's real URLs in search, one definition of public, kinds and labels
as data, and a renamed problem re-indexing the pages that show it."""

import pytest
from wagtail.models import PageViewRestriction

from cms.catalogue.models import CoursePage, LessonPage
from cms.core import vocabulary
from cms.taxonomy.models import Problem
from search import documents

pytestmark = pytest.mark.django_db


def test_search_returns_the_problem_shelf_the_site_really_has(client):
    problem = Problem.objects.order_by("code").first()
    assert vocabulary.parent_url(problem) == f"/shelves/problem/{problem.code.lower()}/"
    data = client.get("/api/search/", {"q": problem.title, "kind": "problem"}).json()
    urls = {r["url"] for r in data["results"]}
    assert f"/shelves/problem/{problem.code.lower()}/" in urls
    assert not any(u.startswith("/problems/") for u in urls)


def test_one_definition_of_public_for_site_search_and_listings():
    course = CoursePage.objects.live().order_by("path").first()
    lesson = LessonPage.objects.live().child_of(course).first()
    assert vocabulary.is_public(lesson)
    PageViewRestriction.objects.create(page=course, restriction_type="login")
    assert not vocabulary.is_public(lesson)                       # an ancestor's restriction hides it
    assert lesson.pk not in {p.pk for p in documents.public_pages()}
    from cms.publishing.sitemodel import SiteModel

    assert lesson.pk not in SiteModel().nodes


def test_kinds_and_labels_are_data():
    assert vocabulary.kind_of(LessonPage).label == "五步教学法课"
    assert set(vocabulary.SEARCHABLE) == {"studio", "course", "lesson", "micro"}
    labels = vocabulary.browser_data()["labels"]
    assert labels["micro"] == labels["micro_lesson"] == "微课" and labels["problem"] == "家庭教育问题"


def test_renaming_a_problem_reindexes_its_pages(client, django_capture_on_commit_callbacks):
    course = CoursePage.objects.live().filter(problems__isnull=False).order_by("path").first()
    problem = course.problems.order_by("code").first()
    with django_capture_on_commit_callbacks(execute=True):
        problem.title = "孩子总是拖到深夜才写作业"
        problem.save()
    data = client.get("/api/search/", {"q": "拖到深夜才写作业"}).json()
    urls = {r["url"] for r in data["results"]}
    assert vocabulary.parent_url(course) in urls                  # the course, by its problem's new name
    assert f"/shelves/problem/{problem.code.lower()}/" in urls
