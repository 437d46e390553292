"""Search quality on the parents' judged set (tests/search/parents, see tests/search/README.md),
per surface, on the held-out half (never tuned on). The dev half is measured and printed too.

The items are indexed on their own (the demo catalogue is replaced in the index for the test)."""

import json
import os
import uuid

import pytest

from search.backends import get_backend
from search.relevance import evaluate_parents, parents_entries, parents_queries

# The level each surface honestly reaches on the held-out half (measured once, after tuning on
# the dev half only; tests/search/README.md has the figures). The goal is nDCG@5 >= 0.85,
# recall@10 >= 0.9 and no result for at most 2 % of answerable queries: not reached yet, so these
# floors guard what is reached and the gap is reported.
# Reset in session 4 after the Cilin extract was replaced by term groups written for Gongyu
# (measured once on held-out: embedded 0.805/0.826, Elasticsearch 0.823/0.826, site 0.804/0.804).
# Then Elasticsearch moved to BM25F (combined_fields) for parity with FTS5's bm25: it now ranks as
# the embedded backend does (held-out 0.802/0.826, dev 0.859 -> 0.865), so its floor is embedded's.
# Session 6: related entries after fewer than ten direct matches (pseudo-relevance feedback),
# measured once on held-out: embedded SQLite 0.803/0.845, PostgreSQL 0.831/0.841, Elasticsearch
# 0.805/0.845; recall floors raised to the figures reached (the embedded one serves both databases).
# Session 7: everyday words count less (analysis.informativeness), chosen on dev (SQLite dev
# 0.867 -> 0.883). Measured once on held-out afterwards, it LOST there: SQLite 0.803 -> 0.790,
# PostgreSQL 0.831 -> 0.821, Elasticsearch 0.805 -> 0.798 (recall unchanged: 0.845 / 0.841 /
# 0.845). Kept, as the rule is to choose on dev only. Floors are now per surface, each 0.01 (or
# less) below what that surface measured, on both halves ("embedded" by database). (The embedded
# figures no longer move between index rebuilds: equal scores are ordered by row number, not as
# text — session 8, test_rebuild_order.py; all figures above unchanged by that.)
FLOOR = {
    "sqlite": {"ndcg@5": 0.78, "recall@10": 0.835, "no_result_share": 0.02},
    "postgresql": {"ndcg@5": 0.811, "recall@10": 0.831, "no_result_share": 0.02},
    "elasticsearch": {"ndcg@5": 0.79, "recall@10": 0.84, "no_result_share": 0.02},
    "site": {"ndcg@5": 0.80, "recall@10": 0.80, "no_result_share": 0.02},
}
# The dev half as reached in session 7 (SQLite 0.883 / 0.898, PostgreSQL 0.872 / 0.905,
# Elasticsearch 0.888 / 0.898). The site's dev half is measured by the site's own evaluation
# (tests/site/search_eval.py) and not asserted here.
DEV_FLOOR = {
    "sqlite": {"ndcg@5": 0.873, "recall@10": 0.888},
    "postgresql": {"ndcg@5": 0.862, "recall@10": 0.895},
    "elasticsearch": {"ndcg@5": 0.878, "recall@10": 0.888},
}


def _dev_holds(name, figures):
    floor = DEV_FLOOR[name]
    assert figures["ndcg@5"] >= floor["ndcg@5"]
    assert figures["recall@10"] >= floor["recall@10"]
    assert figures["no_result"] == 0


def test_set_is_big_varied_and_split():
    from search.relevance import parents_items

    items = parents_items()
    queries = parents_queries()
    assert len(items) >= 150 and len(queries) >= 80
    assert {"question", "colloquial", "synonym", "typo", "stage", "single", "keyword", "none"} <= {q["type"] for q in queries}
    assert sum(1 for q in queries if not q["relevant"]) >= 5
    dev, held = parents_queries("dev"), parents_queries("heldout")
    assert len(dev) + len(held) == len(queries) and abs(len(dev) - len(held)) <= 8
    assert not {q["q"] for q in dev} & {q["q"] for q in held}


def _report(name, backend):
    out = {}
    for half in ("dev", "heldout"):
        figures, rows = evaluate_parents(backend, half)
        out[half] = figures
        if os.environ.get("GONGYU_EVAL_VERBOSE"):
            for r in rows:
                print(f"{half} {r['ndcg5']:.2f} {r['recall10']:.2f} {r['type']:<10} {r['q']} -> {' '.join(u[6:-1] for u in r['ranked'][:6])}")
    print(name, json.dumps(out, ensure_ascii=False))
    return out


@pytest.mark.django_db
def test_embedded_on_parents_set():
    backend = get_backend("embedded")
    backend.rebuild(parents_entries())
    from django.db import connection

    report = _report(f"embedded ({connection.vendor})", backend)
    _dev_holds(connection.vendor, report["dev"])
    figures = report["heldout"]
    floor = FLOOR[connection.vendor]
    assert figures["ndcg@5"] >= floor["ndcg@5"]
    assert figures["recall@10"] >= floor["recall@10"]
    assert figures["no_result_share"] <= floor["no_result_share"]
    assert figures["off_topic_with_results"] == 0


@pytest.mark.elasticsearch
@pytest.mark.slow
def test_elasticsearch_on_parents_set(es_node, db):
    backend = get_backend("elasticsearch", url=es_node.url, alias=f"parents-{uuid.uuid4().hex[:8]}")
    backend.rebuild(parents_entries())
    try:
        report = _report("elasticsearch", backend)
    finally:
        backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)
    _dev_holds("elasticsearch", report["dev"])
    figures = report["heldout"]
    floor = FLOOR["elasticsearch"]
    assert figures["ndcg@5"] >= floor["ndcg@5"]
    assert figures["recall@10"] >= floor["recall@10"]
    assert figures["no_result_share"] <= floor["no_result_share"]
    assert figures["off_topic_with_results"] == 0


@pytest.mark.slow
def test_parent_site_on_parents_set(db, tmp_path):
    """The parents' items as a small site: the real page search markup, the real Pagefind shard
    builder and site.json vocabulary, the real search.js, in chromium."""
    from playwright.sync_api import sync_playwright

    from tests.site.conftest import serve
    from tests.site.search_eval import CHROMIUM_ARGS, build_parents_site, evaluate_parents_site

    root = build_parents_site(tmp_path / "site")
    with serve(root) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            results = evaluate_parents_site(browser.new_page(), url)
        finally:
            browser.close()
    print("site", json.dumps({h: f for h, (f, _) in results.items()}, ensure_ascii=False))
    figures = results["heldout"][0]
    floor = FLOOR["site"]
    assert figures["ndcg@5"] >= floor["ndcg@5"]
    assert figures["recall@10"] >= floor["recall@10"]
    assert figures["no_result_share"] <= floor["no_result_share"]
    assert figures["off_topic_with_results"] == 0
