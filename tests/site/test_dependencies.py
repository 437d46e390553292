"""The dependency index (issue 17): an edit plans and renders only the files that show the pages
it changed, and the site it leaves is the one a full comparison would have made."""

import json
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from wagtail.models import Page

from cms.catalogue.models import CoursePage, LessonPage
from cms.publishing.api import publish
from cms.publishing.models import OutputDependency, PublishedFile
from cms.publishing.records import Records
from cms.taxonomy.models import Problem
from engagement.models import WeeklyLecture

pytestmark = pytest.mark.django_db


def add_lessons(course, count, slug="generated"):
    """``count`` public lessons at the end of ``course``, inserted in bulk (as bench/publish.py);
    ``slug``: their slugs' prefix (another one for a second batch)."""
    ct = ContentType.objects.get_for_model(LessonPage)
    course = Page.objects.get(pk=course.pk)
    now = timezone.now()
    pages = [Page(path=LessonPage._get_path(course.path, course.depth + 1, course.numchild + i),
                  depth=course.depth + 1, numchild=0, title=f"生成的第{i}课", draft_title=f"生成的第{i}课",
                  slug=f"{slug}-{i}", content_type=ct, live=True, has_unpublished_changes=False,
                  url_path=f"{course.url_path}{slug}-{i}/", first_published_at=now, last_published_at=now,
                  locale_id=course.locale_id, translation_key=uuid.uuid4())
             for i in range(1, count + 1)]
    Page.objects.bulk_create(pages)
    ids = dict(Page.objects.filter(path__in=[p.path for p in pages]).values_list("path", "pk"))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {LessonPage._meta.db_table} (page_ptr_id, summary, body) VALUES (%s, %s, %s)",
                           [(ids[p.path], "生成的简介", "[]") for p in pages])
    Page.objects.filter(pk=course.pk).update(numchild=course.numchild + count)


def site_file(out, path):
    return (out / path).read_text()


def page_path(page):
    return page.url_path[len("/home/"):] + "index.html"


@pytest.fixture
def big_site(tmp_path):
    courses = list(CoursePage.objects.live().order_by("path")[:3])
    for course in courses:
        add_lessons(course, 100)
    out = tmp_path / "site"
    full = publish(out)
    assert full.full and len(full.written) > 600
    return out, courses


def test_an_edit_renders_only_the_files_that_show_the_lesson(big_site):
    out, courses = big_site
    siblings = list(LessonPage.objects.child_of(courses[1]).live().order_by("path"))
    # The course's last own lesson (a whole five-step body), followed by the generated ones.
    at = max(i for i, p in enumerate(siblings) if not p.slug.startswith("generated-"))
    lesson = siblings[at].specific
    neighbours = siblings[max(at - 1, 0):at] + siblings[at + 1:at + 2]
    lesson.title = "改过的标题:和孩子一起定计划"
    lesson.save_revision().publish()

    edit = publish(out, pages=[lesson.pk])

    # The lesson's page, its course's lesson list and its neighbours' 上一课/下一课 — nothing else
    # (and 本周家长课 with the home page's copy of it, when the lesson is one of its lectures).
    expected = {page_path(p) for p in (lesson, courses[1], *neighbours)}
    lecture = {"index.html", "weekly/index.html"} if WeeklyLecture.objects.filter(page_id=lesson.pk).exists() else set()
    assert set(edit.written) - lecture == expected and len(edit.written) == len(set(edit.written))
    assert edit.outputs < 50 and not edit.removed
    for page in (lesson, courses[1], *neighbours):
        assert "改过的标题:和孩子一起定计划" in site_file(out, page_path(page))
    assert "改过的标题" not in site_file(out, page_path(siblings[-1]))
    # A full comparison afterwards finds nothing the edit left out.
    again = publish(out)
    assert again.written == [] and again.removed == []


def test_a_new_problem_moves_the_course_between_shelves(big_site):
    out, courses = big_site
    course = CoursePage.objects.get(pk=courses[0].pk)
    old = course.problems.order_by("pk").first()
    new = Problem.objects.exclude(pk__in=course.problems.values("pk")).order_by("pk").first()
    old_shelf, new_shelf = (f"shelves/problem/{p.code.lower()}/index.html" for p in (old, new))
    url = course.url_path[len("/home"):]
    assert f'href="{url}"' in site_file(out, old_shelf) and f'href="{url}"' not in site_file(out, new_shelf)
    course.problems.set([new])
    course.save_revision().publish()

    edit = publish(out, pages=[course.pk])

    assert old_shelf in edit.written and new_shelf in edit.written
    assert f'href="{url}"' not in site_file(out, old_shelf)
    assert f'href="{url}"' in site_file(out, new_shelf)
    assert new.title in site_file(out, page_path(course))
    # Its lessons (breadcrumb course, 学段 of the course) and the pages that share the new 问题
    # (related lists) were planned too: a full comparison finds nothing left.
    again = publish(out)
    assert again.written == [] and again.removed == []


def test_a_full_build_that_spools_its_records_saves_the_same_rows_and_plans_edits_right(tmp_path, monkeypatch):
    """A full build at province scale spools what it wrote (``records.Records``: past ``HOLD``
    files, to a temporary file) instead of holding every file's links: the fingerprints, links,
    shards and dependency index it saves are the ones a build that held them all saves, and an
    edit planned from them renders exactly the files that show the page."""
    courses = list(CoursePage.objects.live().order_by("path")[:2])
    for course in courses:
        add_lessons(course, 60)
    held = tmp_path / "held"
    publish(held, full=True)
    monkeypatch.setattr(Records, "HOLD", 25)
    spooled = tmp_path / "spooled"
    full = publish(spooled, full=True)
    assert len(full.written) > 10 * Records.HOLD

    def saved(out):
        target = str(out.absolute())
        files = {(f.path, f.fingerprint, f.page_id, f.shard, json.dumps(f.links, sort_keys=True))
                 for f in PublishedFile.objects.filter(target=target)}
        deps = set(OutputDependency.objects.filter(site__target=target).values_list("page_id", "path"))
        return files, deps

    files, deps = saved(spooled)
    assert len(files) == len(full.written) and len(deps) > len(files)
    assert (files, deps) == saved(held)

    lesson = LessonPage.objects.child_of(courses[0]).live().order_by("path").first().specific
    siblings = list(LessonPage.objects.child_of(courses[0]).live().order_by("path"))
    lesson.title = "改过的标题:睡前半小时不看手机"
    lesson.save_revision().publish()
    edit = publish(spooled, pages=[lesson.pk])
    lecture = {"index.html", "weekly/index.html"} if WeeklyLecture.objects.filter(page_id=lesson.pk).exists() else set()
    assert set(edit.written) - lecture == {page_path(p) for p in (lesson, courses[0], siblings[1])}
    assert "改过的标题:睡前半小时不看手机" in site_file(spooled, page_path(siblings[1]))
    again = publish(spooled)
    assert again.written == [] and again.removed == []
