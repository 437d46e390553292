"""Both backends answer the same questions the same way: same matches, same facet counts, same
result shape, same refusals (the Elasticsearch cases run against a real node)."""

import threading

import pytest

from search.backends import get_backend
from search.query import build_request

from .conftest import urls

pytestmark = pytest.mark.django_db

# 孩子总是玩手机怎么办 was a known gap until session 4: Elasticsearch summed per-field BM25 (a
# title match of the optional 玩 outweighed every page about phones), FTS5 weighs term frequency
# per column before it saturates; Elasticsearch now uses BM25F (combined_fields) like FTS5.
QUERIES = ["叛逆", "初中 厌学", "中考压力", "孩子总是玩手机怎么办", "手机游戏", "霸凌", "幼小衔接", "红烧肉"]


@pytest.mark.parametrize("q", ["孩子总是玩手机怎么办", "幼小衔接"])
def test_same_top_three(backend, q):
    """Not just one shared page: the same three pages lead, in either engine. (For 叛逆, 手机游戏,
    初中, 霸凌 and 中考压力 two of the three agree: BM25F weighs a field's length by its weight,
    FTS5 does not, so pages of near-equal score can swap. 中考压力 was in this list until the
    everyday word 压力 came to count 0.2 of 中考 (session 7): the third place is then decided by
    中考 alone, where two exam lessons were already within 0.5 % of each other in Elasticsearch —
    6.43 and 6.40 — and now swap: 4.40 / 4.54 there, 4.47 / 4.18 in FTS5.)"""
    embedded = get_backend("embedded").search(build_request(q))
    other = backend.search(build_request(q))
    assert set(urls(other)[:3]) == set(urls(embedded)[:3])


@pytest.mark.parametrize("q", QUERIES)
def test_same_matches_and_facets(backend, q):
    embedded = get_backend("embedded").search(build_request(q))
    other = backend.search(build_request(q))
    assert other["total"] == embedded["total"]
    assert other["facets"] == embedded["facets"]
    assert set(urls(other)[:3]) & set(urls(embedded)[:3]) or not embedded["results"]


def test_filters_and_paging(backend):
    request = build_request("手机", stage="junior", theme="digital-literacy", kind="lesson,micro_lesson")
    result = backend.search(request)
    assert result["total"] > 0
    for item in result["results"]:
        assert item["kind"] in ("lesson", "micro_lesson")
        assert "junior" in {s["code"] for s in item["taxonomy"]["stages"]}
    assert sum(f["count"] for f in result["facets"]["kind"]) == result["total"]
    page2 = backend.search(build_request("孩子 沟通", page=2))
    assert len(page2["results"]) == 10 and page2["page"] == 2


@pytest.mark.parametrize("q", ['"', "*", "(", "AND", "手机 OR (", "title:x", "NEAR(a b)", "a* b*", "-手机", "手机^3"])
def test_query_syntax_is_just_text(backend, q):
    result = backend.search(build_request(q))
    assert isinstance(result["results"], list)


def test_result_shape(backend):
    item = backend.search(build_request("顶嘴"))["results"][0]
    assert set(item) == {"title", "title_html", "url", "kind", "kind_name", "snippet", "taxonomy", "score", "related"}
    assert "<mark>" in item["title_html"] + item["snippet"]


def test_suggest(backend):
    titles = [s["title"] for s in backend.suggest("短视频")]
    assert titles and all("短视频" in t for t in titles)
    assert set(titles) == {s["title"] for s in get_backend("embedded").suggest("短视频")}


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_rebuild_swaps_the_alias_with_no_downtime(es_fresh):
    """Searches keep answering with full results while a rebuild runs; one index remains."""
    from search import api

    before = es_fresh._indexes()
    total = es_fresh.search(build_request("手机"))["total"]
    seen, stop = [], threading.Event()

    def searching():
        backend = get_backend("elasticsearch", url=es_fresh.url, alias=es_fresh.alias)
        while not stop.is_set():
            seen.append(backend.search(build_request("手机"))["total"])

    thread = threading.Thread(target=searching)
    thread.start()
    try:
        api.rebuild(es_fresh)
    finally:
        stop.set()
        thread.join()
    after = es_fresh._indexes()
    assert len(after) == 1 and after != before
    assert seen and set(seen) == {total}
    assert not es_fresh.client.indices.exists(index=before[0])


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_mapping_needs_no_plugins_and_plugin_analyzers_are_an_option(es_built):
    body = es_built.index_body()
    analyzers = {f.get("analyzer") for f in body["mappings"]["properties"].values()} - {None}
    assert analyzers == {"whitespace", "standard"}
    smartcn = get_backend("elasticsearch", url=es_built.url, analyzer="smartcn").index_body()
    assert smartcn["mappings"]["properties"]["title"]["analyzer"] == "smartcn"


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_an_index_built_before_eid_is_still_searched_alike(es_node):
    """An index from before the ``eid`` doc-values field (an upgrade not yet rebuilt) answers with
    the same results and facets as a rebuilt one (it reads stored ids instead)."""
    import uuid

    from elasticsearch import helpers

    from search.relevance import parents_entries

    entries = list(parents_entries())
    new = get_backend("elasticsearch", url=es_node.url, alias=f"eid-{uuid.uuid4().hex[:8]}")
    old = get_backend("elasticsearch", url=es_node.url, alias=f"old-{uuid.uuid4().hex[:8]}")
    new.rebuild(iter(entries))
    body = old.index_body()
    del body["mappings"]["properties"]["eid"]
    index = f"{old.alias}-1"
    old.client.indices.create(index=index, **body)
    actions = ({"_index": index, "_id": e.meta.id, "_source": {k: v for k, v in old._source(e).items() if k != "eid"}}
               for e in entries)
    helpers.bulk(old.client, actions, refresh=True)
    old.client.indices.put_alias(index=index, name=old.alias)
    try:
        for q in ("孩子沉迷手机怎么办", "多动证", "哭"):
            a, b = new.search(build_request(q)), old.search(build_request(q))
            assert urls(b) == urls(a) and b["total"] == a["total"] and b["facets"] == a["facets"]
        assert old._legacy and not new._legacy
    finally:
        for backend in (new, old):
            backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)
