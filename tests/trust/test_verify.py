"""``publish_site --verify`` finds drift between the database, the live site and the search
index, repairs it and says what it fixed; a second run finds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Page

from cms.catalogue.models import LessonPage
from cms.publishing import release
from cms.publishing.api import publish
from search import documents
from search.backends import get_backend

pytestmark = pytest.mark.django_db


def run_verify(out):
    report = StringIO()
    call_command("publish_site", "--verify", "--out", str(out), stdout=report)
    return report.getvalue()


def test_verify_repairs_the_site_and_the_search_index_and_reports_it(tmp_path):
    out = tmp_path / "site"
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path"))
    gone_file, gone_entry, stale = lessons[0], lessons[1], lessons[2]
    live = release.current_release(out)
    site_url = gone_file.url_path[len("/home"):]
    (live / site_url.strip("/") / "index.html").unlink()                  # a file lost on the site
    backend = get_backend()
    backend.delete([f"page-{gone_entry.pk}"])                             # an entry lost in search
    draft = LessonPage.objects.filter(live=False).first() or Page.objects.filter(live=False).first()
    extra = documents.entry_for_page(draft) if isinstance(draft.specific, LessonPage) else None
    if extra is not None:
        backend.upsert([extra])                                           # a draft leaked into search
    # A title changed in the database while the site missed the publish.
    LessonPage.objects.filter(pk=stale.pk).update(title="核对时发现的新标题")
    Page.objects.filter(pk=stale.pk).update(title="核对时发现的新标题")

    text = run_verify(out)
    assert f"已修复 网站缺少的页面:{site_url}" in text
    assert f"已修复 内置搜索索引缺少的条目:page-{gone_entry.pk}" in text
    if extra is not None:
        assert f"内置搜索索引中多余的条目:page-{draft.pk}" in text
    assert "网站上过期的页面" in text
    assert "核对完毕:发现并修复了" in text
    assert (release.current_release(out) / site_url.strip("/") / "index.html").exists()
    assert f"page-{gone_entry.pk}" in backend.ids_under("")

    assert "没有需要修复的" in run_verify(out)


def test_verify_repairs_problem_shelves_topics_and_stale_search_entries(tmp_path):
    from cms.taxonomy.models import Problem
    from cms.topics.models import ResearchTopic

    out = tmp_path / "site"
    publish(out)
    live = release.current_release(out)
    problems = list(Problem.objects.order_by("code"))
    lost, renamed = problems[0], problems[1]
    (live / "shelves" / "problem" / lost.code.lower() / "index.html").unlink()      # a shelf lost
    Problem.objects.filter(pk=renamed.pk).update(title="核对时改名的问题")           # renamed behind the site's back
    (live / "shelves" / "problem" / "zz-gone").mkdir()                               # a shelf for no problem
    (live / "shelves" / "problem" / "zz-gone" / "index.html").write_text("<h1>旧问题</h1>")
    topic = ResearchTopic.objects.order_by("code").first()
    ResearchTopic.objects.filter(pk=topic.pk).update(title="核对时改名的课题")
    backend = get_backend()
    entry = documents.entry_for_problem(problems[2])
    entry.title = entry.display["title"] = "过期的问题标题"
    backend.upsert([entry])                                                           # a stale search entry

    text = run_verify(out)
    assert f"已修复 网站缺少的问题书架:{lost.code}" in text
    assert f"网站上过期的问题书架:{renamed.code}" in text
    assert "网站上多余的问题书架:zz-gone" in text
    assert f"已修复 课题库里过期的课题:{topic.code}" in text
    stale = next(line for line in text.splitlines() if line.startswith("已修复 内置搜索索引中过期的条目:"))
    # the tampered entry, and the renamed problem's and topic's entries (renamed behind the feed's back)
    assert {f"problem-{problems[2].code}", f"problem-{renamed.code}", f"topic-{topic.code}"} <= set(
        stale.split(":", 1)[1].split("、"))
    shelf = (release.current_release(out) / "shelves" / "problem" / renamed.code.lower() / "index.html").read_text()
    assert "核对时改名的问题" in shelf
    assert "没有需要修复的" in run_verify(out)


def test_verify_tells_a_change_still_queued_from_a_lost_one(tmp_path, settings):
    """The check says how much of what it repaired the change feed was still to write (behind, not
    wrong) and how much nothing was left to fix (a lost change: the figure to watch)."""
    from django_tasks_db.models import DBTaskResult

    from search import tasks

    out = tmp_path / "site"
    publish(out)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}   # tasks wait for a worker
    DBTaskResult.objects.filter(status="READY").delete()   # the demo data's own index tasks
    queued, lost = list(LessonPage.objects.live().order_by("path"))[3:5]
    backend = get_backend()
    backend.delete([f"page-{queued.pk}", f"page-{lost.pk}"])
    tasks.sync_subtree.enqueue(queued.pk)                   # the feed's task for one of them still waits

    text = run_verify(out)
    assert "发现 2 处不一致:其中 1 处的更新当时仍在排队或执行中,1 处没有待办的更新(更新丢失或被直接改动)。" in text
    assert {f"page-{queued.pk}", f"page-{lost.pk}"} <= set(backend.ids_under(""))
