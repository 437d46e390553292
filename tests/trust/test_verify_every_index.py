"""The periodic check (the worker's ``verify`` job) and ``publish_site --verify`` compare and repair
every search index that exists — the embedded index and the real Elasticsearch node — not only
the configured one; an index that cannot be read is reported in Chinese."""

import socket
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from cms.catalogue.models import LessonPage
from cms.core import periodic
from cms.publishing.api import publish
from cms.publishing.verify import index_documents
from search import api, documents
from search.backends import get_backend

pytestmark = pytest.mark.django_db


def run_verify(out):
    report = StringIO()
    call_command("publish_site", "--verify", "--out", str(out), stdout=report)
    return report.getvalue()


@pytest.fixture
def both_indexes(es_node, settings):
    """The embedded index serves; an Elasticsearch node is configured too, with its own index built."""
    settings.SEARCH_BACKEND = "embedded"
    settings.ELASTICSEARCH_CONFIGURED = True
    settings.ELASTICSEARCH_URL = es_node.url
    settings.ELASTICSEARCH_INDEX = f"test-verify-{uuid.uuid4().hex[:8]}"
    embedded, elastic = get_backend("embedded"), get_backend("elasticsearch")
    api.rebuild(embedded)
    api.rebuild(elastic)
    return embedded, elastic


@pytest.mark.slow
@pytest.mark.elasticsearch
@pytest.mark.parametrize("configured", ["embedded", "elasticsearch"])
def test_the_workers_periodic_check_repairs_both_indexes(configured, both_indexes, settings, tmp_path,
                                                         django_capture_on_commit_callbacks):
    embedded, elastic = both_indexes
    settings.SEARCH_BACKEND = configured
    out = tmp_path / "site"
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path"))
    lost_in_es, lost_in_embedded, renamed = lessons[0], lessons[1], lessons[2]
    elastic.delete([f"page-{lost_in_es.pk}"])
    embedded.delete([f"page-{lost_in_embedded.pk}"])
    # Renamed behind the change feed's back: both indexes show the old title.
    LessonPage.objects.filter(pk=renamed.pk).update(title="两个索引都过期的标题")
    Page.objects.filter(pk=renamed.pk).update(title="两个索引都过期的标题")

    settings.SITE_OUTPUT_DIR = out
    with django_capture_on_commit_callbacks(execute=True):
        assert "verify" in periodic.run_due(force=True)  # what the worker's tick runs

    for backend in (embedded, elastic):
        docs = index_documents(backend)
        assert f"page-{lost_in_es.pk}" in docs and f"page-{lost_in_embedded.pk}" in docs, backend.name
        assert docs[f"page-{renamed.pk}"][1]["title"] == "两个索引都过期的标题", backend.name
    text = run_verify(out)
    assert "核对了家长网站和搜索索引:" in text
    assert "内置搜索索引" in text and "Elasticsearch 索引" in text
    assert "没有需要修复的" in text


@pytest.mark.slow
@pytest.mark.elasticsearch
def test_publish_site_verify_names_what_it_fixed_in_each_index(both_indexes, tmp_path):
    embedded, elastic = both_indexes
    out = tmp_path / "site"
    publish(out)
    lesson = LessonPage.objects.live().order_by("path")[3]
    elastic.delete([f"page-{lesson.pk}"])

    text = run_verify(out)
    assert f"已修复 Elasticsearch 索引缺少的条目:page-{lesson.pk}" in text
    assert "内置搜索索引缺少的条目" not in text
    assert f"page-{lesson.pk}" in index_documents(elastic)


def test_a_configured_node_that_is_down_is_reported_in_chinese(settings, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ELASTICSEARCH_CONFIGURED = True
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    out = tmp_path / "site"
    publish(out)
    report, errors = StringIO(), StringIO()
    with pytest.raises(CommandError, match="修复后仍有 1 处"):
        call_command("publish_site", "--verify", "--out", str(out), stdout=report, stderr=errors)
    assert "仍不一致 Elasticsearch 索引无法核对:无法读取索引(" in errors.getvalue()


def test_a_page_unpublished_between_the_comparison_and_the_repair_is_removed_not_a_crash(tmp_path):
    """Editors keep working while the check runs: the repair goes by what belongs in the index now."""
    from cms.publishing.verify import find_drift, repair_search

    out = tmp_path / "site"
    publish(out)
    embedded = get_backend("embedded")
    lessons = list(LessonPage.objects.live().order_by("path"))
    lost, other = lessons[0], lessons[1]
    embedded.delete([f"page-{lost.pk}", f"page-{other.pk}"])
    found = find_drift(out, [embedded])
    assert {f"page-{lost.pk}", f"page-{other.pk}"} <= set(found.indexes["embedded"].missing)
    embedded.upsert([documents.entry_for_page(lost)])  # the feed wrote it back meanwhile…
    lost.unpublish()                                   # …and an editor unpublished it: not public now
    repair_search(found, [embedded])
    docs = index_documents(embedded)
    assert f"page-{other.pk}" in docs and f"page-{lost.pk}" not in docs
