"""Relevance of a backend on the judged set (tests/search/judged.yaml): nDCG@5 and recall@10.

    python manage.py search_relevance [--backend embedded|elasticsearch|all] [--verbose]

A query with no good answer (``relevant: {}``) scores 1 for both measures when the search
returns nothing and 0 when it returns anything (noise is the failure there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from .query import build_request

JUDGED = Path(__file__).resolve().parent.parent / "tests" / "search" / "judged.yaml"


def load_judged(path=JUDGED):
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data.get("kinds") or [], data["queries"]


def ndcg(ranked, grades, k=5):
    if not grades:
        return 0.0 if ranked else 1.0
    dcg = sum((2 ** grades.get(url, 0) - 1) / math.log2(i + 2) for i, url in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked, grades, k=10):
    relevant = {url for url, g in grades.items() if g > 0}
    if not relevant:
        return 0.0 if ranked else 1.0
    return len(relevant & set(ranked[:k])) / len(relevant)


@dataclass
class Score:
    q: str
    type: str
    ndcg5: float
    recall10: float
    ranked: list
    closest: bool = False  # the results were labelled 最接近的结果 (no entry matched every word)


def evaluate(backend, path=JUDGED):
    kinds, queries = load_judged(path)
    scores = []
    for item in queries:
        request = build_request(item["q"], kind=kinds or None)
        result = backend.search(request)
        ranked = [r["url"] for r in result["results"]]
        grades = {url: int(g) for url, g in (item.get("relevant") or {}).items()}
        scores.append(Score(item["q"], item.get("type", ""), ndcg(ranked, grades), recall(ranked, grades), ranked,
                            bool(result.get("fallback"))))
    return scores


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def summary(scores):
    return {"queries": len(scores), "ndcg@5": round(mean(s.ndcg5 for s in scores), 3),
            "recall@10": round(mean(s.recall10 for s in scores), 3)}


# --- the parents' judged set (tests/search/parents): dev and held-out halves ---------------------

PARENTS = Path(__file__).resolve().parent.parent / "tests" / "search" / "parents"
STAGE_NAMES = {"kindergarten": "幼儿园", "primary-lower": "小学低段", "primary-upper": "小学高段",
               "junior": "初中", "senior": "高中"}


def half_of(q, qtype, queries):
    """The fixed, deterministic split: within each query type, queries sorted by the SHA-1 of
    their text alternate dev, held-out, dev, … (decided before any tuning; never re-split)."""
    import hashlib

    same = sorted((x["q"] for x in queries if x.get("type") == qtype),
                  key=lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest())
    return "dev" if same.index(q) % 2 == 0 else "heldout"


def parents_items(path=PARENTS):
    return yaml.safe_load((Path(path) / "items.yaml").read_text(encoding="utf-8"))["items"]


def parents_queries(half=None, path=PARENTS):
    """The queries (grades keyed by item URL), all or one half ("dev" / "heldout")."""
    queries = yaml.safe_load((Path(path) / "queries.yaml").read_text(encoding="utf-8"))["queries"]
    out = []
    for item in queries:
        h = half_of(item["q"], item.get("type"), queries)
        if half and h != half:
            continue
        relevant = {item_url(i): int(g) for i, g in (item.get("relevant") or {}).items()}
        out.append({"q": item["q"], "type": item.get("type", ""), "half": h, "relevant": relevant})
    return out


def item_url(item_id):
    return f"/eval/{item_id}/"


def parents_entries(path=PARENTS):
    """The items as search entries (what the index builders make of a page)."""
    from .documents import make_entry

    for item in parents_items(path):
        stages = item.get("stages") or []
        yield make_entry(
            f"eval-{item['id']}", kind=item["kind"], url=item_url(item["id"]), path="",
            title=item["title"], summary=item.get("summary", ""), body=item.get("body", ""),
            shelf=" ".join(STAGE_NAMES[s] for s in stages), stages=stages,
            taxonomy={"stages": [{"code": s, "name": STAGE_NAMES[s]} for s in stages], "themes": [], "problems": []},
        )


def measure(ranked_by_query, queries, labelled=None):
    """nDCG@5, recall@10 (grade >= 2), answerable queries with no result, off-topic queries with
    a result not labelled as closest matches; ``ranked_by_query``: {q: [url, …]};
    ``labelled``: the queries whose results were labelled 最接近的结果."""
    labelled = labelled or set()
    rows = []
    for item in queries:
        ranked = ranked_by_query[item["q"]]
        grades = item["relevant"]
        good = {u for u, g in grades.items() if g >= 2}
        rows.append({
            "q": item["q"], "type": item["type"], "ranked": ranked, "answerable": bool(grades),
            "ndcg5": ndcg(ranked, grades),
            "recall10": (len(good & set(ranked[:10])) / len(good)) if good else (1.0 if not ranked else 0.0),
        })
    answerable = [r for r in rows if r["answerable"]]
    off = [r for r in rows if not r["answerable"]]
    figures = {
        "queries": len(rows),
        "ndcg@5": round(mean(r["ndcg5"] for r in answerable), 3),
        "recall@10": round(mean(r["recall10"] for r in answerable), 3),
        "no_result": sum(1 for r in answerable if not r["ranked"]),
        "no_result_share": round(sum(1 for r in answerable if not r["ranked"]) / max(1, len(answerable)), 3),
        "off_topic_with_results": sum(1 for r in off if r["ranked"] and r["q"] not in labelled),
        "off_topic_labelled_closest": sum(1 for r in off if r["ranked"] and r["q"] in labelled),
    }
    return figures, rows


def evaluate_parents(backend, half=None):
    """Run one half of the parents' set against a backend that holds ``parents_entries``.
    Off-topic results labelled 最接近的结果 (``fallback``) are counted apart from unlabelled ones."""
    queries = parents_queries(half)
    ranked, labelled = {}, set()
    for item in queries:
        result = backend.search(build_request(item["q"], size=10))
        ranked[item["q"]] = [r["url"] for r in result["results"]]
        if result.get("fallback"):
            labelled.add(item["q"])
    return measure(ranked, queries, labelled)
