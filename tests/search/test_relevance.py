"""Search quality on the judged set (tests/search/judged.yaml), per backend: nDCG@5 >= 0.8."""

import pytest

from search.relevance import evaluate, load_judged, summary


def test_judged_set_is_big_enough_and_varied():
    kinds, queries = load_judged()
    assert len(queries) >= 30
    types = {q["type"] for q in queries}
    assert {"synonym", "none", "natural", "keyword"} <= types
    assert all(q["relevant"] == {} for q in queries if q["type"] == "none")


@pytest.mark.django_db
def test_ndcg_at_5(backend):
    scores = evaluate(backend)
    result = summary(scores)
    print(f"{backend.name}: {result}")
    assert result["ndcg@5"] >= 0.8, [(s.q, round(s.ndcg5, 2)) for s in scores if s.ndcg5 < 0.5]
    assert result["recall@10"] >= 0.7
    off_topic = [s for s in scores if s.type == "none"]
    # Nothing, or a list clearly labelled as the closest matches (最接近的结果), never plain results.
    assert all(s.ranked == [] or s.closest for s in off_topic), "an off-topic question returned results"
