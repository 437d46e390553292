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
    assert f"已修复 搜索缺少的条目:page-{gone_entry.pk}" in text
    if extra is not None:
        assert f"搜索中多余的条目:page-{draft.pk}" in text
    assert "网站上过期的页面" in text
    assert "核对完毕:发现并修复了" in text
    assert (release.current_release(out) / site_url.strip("/") / "index.html").exists()
    assert f"page-{gone_entry.pk}" in backend.ids_under("")

    assert "没有需要修复的" in run_verify(out)
