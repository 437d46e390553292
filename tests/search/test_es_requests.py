"""Elasticsearch answers a query with one _search once the shown entries are known to this
process (display data cached by index, sequence number and primary term), and an edited entry is
never shown stale. Real node; the client's calls are counted, not replaced."""

import uuid

import pytest

from search.backends import get_backend
from search.documents import make_entry
from search.query import build_request
from search.relevance import parents_entries

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]


@pytest.fixture
def counted(es_node, db):
    backend = get_backend("elasticsearch", url=es_node.url, alias=f"requests-{uuid.uuid4().hex[:8]}")
    backend.rebuild(parents_entries())
    calls = []
    for name in ("search", "mget"):
        real = getattr(backend.client, name)

        def count(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        setattr(backend.client, name, count)
    yield backend, calls
    backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)


def test_a_query_is_one_search_and_an_edit_is_shown_at_once(counted):
    backend, calls = counted
    first = backend.search(build_request("学习"))
    assert first["total"] >= 10 and first["related"] == 0
    calls.clear()
    again = backend.search(build_request("学习"))
    assert calls == ["search"]
    assert [r["url"] for r in again["results"]] == [r["url"] for r in first["results"]]

    # Rename the first result: the next answer shows the new title (one mget for that entry).
    url = first["results"][0]["url"]
    item_id = url.strip("/").split("/")[-1]
    old = next(e for e in parents_entries() if e.url == url)
    backend.upsert([make_entry(f"eval-{item_id}", kind=old.kind, url=url, path="", title="学习的新标题:改过了",
                               summary=old.summary, body=old.body, shelf=old.shelf, stages=list(old.stages or []))])
    calls.clear()
    renamed = backend.search(build_request("学习"))
    assert "学习的新标题:改过了" in [r["title"] for r in renamed["results"]]
    assert calls == ["search", "mget"]
