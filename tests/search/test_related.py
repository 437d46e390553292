"""A query with fewer direct matches than a page: the page is filled with related entries after
every direct match (pseudo-relevance feedback on the best matches' words), flagged, not counted
in the total or the facets; the same on both engines (Elasticsearch on a real node)."""


import pytest

from search.query import build_request
from search.relevance import item_url, parents_entries

from .conftest import engine_with


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=[pytest.mark.elasticsearch, pytest.mark.slow])])
def parents_backend(request, db):
    yield from engine_with(request, parents_entries, "related")


def test_few_direct_matches_are_followed_by_related_lessons(parents_backend):
    # 拖拉: two items say it (or its synonym 拖延); the lesson 一张计划表，作业不再拖 never does,
    # but the best matches are about 作业.
    result = parents_backend.search(build_request("拖拉"))
    direct = [r for r in result["results"] if not r["related"]]
    related = [r for r in result["results"] if r["related"]]
    assert result["total"] == len(direct) < 10
    assert related and result["related"] == len(related)
    assert result["results"] == direct + related  # every direct match first
    assert item_url("hw-l") in {r["url"] for r in related}
    assert sum(f["count"] for f in result["facets"]["kind"]) == result["total"]
    assert result["pages"] == 1


def test_a_query_with_nothing_found_gets_no_related_noise(parents_backend):
    result = parents_backend.search(build_request("股票怎么买"))
    assert result["results"] == [] and result["related"] == 0


def test_related_lessons_respect_the_filters(parents_backend):
    result = parents_backend.search(build_request("拖拉", stage="primary-lower"))
    stages = [{s["code"] for s in r["taxonomy"]["stages"]} for r in result["results"]]
    assert result["related"] and all("primary-lower" in s for s in stages)
    assert item_url("hw-l") not in {r["url"] for r in result["results"]}  # 小学高段 only
