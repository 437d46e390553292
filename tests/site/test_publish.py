"""Incremental publishing, atomic go-live and the queued publish task."""

import json
import os

import pytest

from cms.catalogue.models import LessonPage
from cms.publishing import render as pages_module
from cms.publishing.api import publish, request_publish
from cms.publishing.models import PublishQueue

pytestmark = pytest.mark.django_db


def site_path(page):
    return page.url_path[len("/home"):]


def html(out, page):
    return (out / site_path(page).strip("/") / "index.html").read_text()


def test_one_edit_regenerates_its_page_and_the_listings_that_show_it(tmp_path):
    out = tmp_path / "site"
    first = publish(out)
    assert first.full and len(first.written) > 100
    assert publish(out).written == []  # nothing changed, nothing written

    lesson = LessonPage.objects.live().order_by("path")[3]
    course = lesson.get_parent().specific
    lesson.title = "新标题:和孩子一起做屏幕时间计划"
    lesson.save_revision().publish()
    second = publish(out)
    written = set(second.written)
    assert site_path(lesson).strip("/") + "/index.html" in written
    assert site_path(course).strip("/") + "/index.html" in written          # the course lists it
    assert len(written) < 10, written                                      # …and not the whole site
    assert second.shards_indexed == [1]                                    # only the small "hot" shard
    site = json.loads((out / "pagefind" / "site.json").read_text())
    assert site["shards"] == ["/pagefind/s0/", "/pagefind/s1/"] and site["gone"] == []
    assert "新标题:和孩子一起做屏幕时间计划" in html(out, lesson)
    assert "新标题:和孩子一起做屏幕时间计划" in html(out, course)
    siblings = [s for s in LessonPage.objects.child_of(course).live() if s.pk != lesson.pk]
    assert any("新标题" in html(out, s) for s in siblings)                  # previous/next links
    # The search index of the shard has the new words (Pagefind fragments are compressed, so
    # look at the fresh files instead: the shard folder was rewritten).
    assert (out / "pagefind" / "s0" / "pagefind-entry.json").stat().st_mtime >= out.resolve().stat().st_mtime - 5

    lesson.unpublish()
    third = publish(out)
    assert site_path(lesson).strip("/") + "/index.html" in third.removed
    assert not (out / site_path(lesson).strip("/") / "index.html").exists()
    assert "新标题" not in html(out, course)
    # A page that is still in the big shard and goes away is dropped by the browser ("gone").
    other = LessonPage.objects.live().order_by("path")[10]
    other.unpublish()
    fourth = publish(out)
    assert fourth.shards_indexed == [1]
    assert json.loads((out / "pagefind" / "site.json").read_text())["gone"] == [site_path(other)]
    assert publish(out, full=True).shards_indexed == [0]
    assert json.loads((out / "pagefind" / "site.json").read_text()) | {"vocabulary": None} == {
        "shards": ["/pagefind/s0/"], "gone": [], "vocabulary": None}


def test_a_failed_build_leaves_the_live_site_untouched(tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(out)
    live = os.readlink(out)
    before = (out / "index.html").read_bytes()
    lesson = LessonPage.objects.live().order_by("path")[0]
    lesson.title = "不会上线的标题"
    lesson.save_revision().publish()

    calls = {"n": 0}
    original = pages_module.Renderer.render

    def flaky(self, output, *args, **kwargs):
        calls["n"] += 1
        if output.kind == "course":
            raise RuntimeError("磁盘已满")
        return original(self, output, *args, **kwargs)

    def releases():
        return {p.name for p in (tmp_path / ".site.releases").iterdir() if p.is_dir() and not p.name.startswith(".")}

    kept = releases()   # the live one and the full build's spares
    monkeypatch.setattr(pages_module.Renderer, "render", flaky)
    with pytest.raises(RuntimeError):
        publish(out)
    assert calls["n"] >= 1
    assert os.readlink(out) == live
    assert (out / "index.html").read_bytes() == before
    assert "不会上线的标题" not in html(out, lesson)
    # The half-built release (a spare it reused) was thrown away; nothing new is left behind.
    assert releases() < kept and os.path.basename(live) in releases()

    monkeypatch.setattr(pages_module.Renderer, "render", original)
    publish(out)
    assert "不会上线的标题" in html(out, lesson)
    assert os.readlink(out) != live


def test_publishing_in_the_admin_queues_one_coalesced_publish(settings, django_capture_on_commit_callbacks, tmp_path):
    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = tmp_path / "site"
    lessons = list(LessonPage.objects.live().order_by("path")[:3])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for n, lesson in enumerate(lessons):
            lesson.title = f"批量更新的课 {n}"
            lesson.save_revision().publish()     # page_published, three times
        # The change feed speaks after the commit: nothing is queued before it.
        assert PublishQueue.objects.filter(channel="site", pending=True).count() == 0
    ours = [c for c in callbacks if "request_publish" in getattr(c, "__qualname__", "")]
    assert len(ours) == 1                        # one publish task enqueued for the burst
    # The immediate test backend ran it: the site is live with all three edits.
    queue = PublishQueue.objects.get(channel="site")
    assert queue.pending is False and queue.finished_at and not queue.last_error
    for n, lesson in enumerate(lessons):
        assert f"批量更新的课 {n}" in html(settings.SITE_OUTPUT_DIR, lesson)
    with django_capture_on_commit_callbacks(execute=False):
        assert request_publish() is True
        assert request_publish() is False         # already queued: nothing more is added


def test_making_a_page_private_takes_it_off_the_site(settings, django_capture_on_commit_callbacks, tmp_path):
    from wagtail.models import PageViewRestriction

    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = tmp_path / "site"
    publish(settings.SITE_OUTPUT_DIR)
    lesson = LessonPage.objects.live().order_by("path")[2]
    assert (settings.SITE_OUTPUT_DIR / site_path(lesson).strip("/") / "index.html").exists()
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=lesson, restriction_type="login")
    assert not (settings.SITE_OUTPUT_DIR / site_path(lesson).strip("/") / "index.html").exists()
