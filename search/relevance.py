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


def evaluate(backend, path=JUDGED):
    kinds, queries = load_judged(path)
    scores = []
    for item in queries:
        request = build_request(item["q"], kind=kinds or None)
        ranked = [r["url"] for r in backend.search(request)["results"]]
        grades = {url: int(g) for url, g in (item.get("relevant") or {}).items()}
        scores.append(Score(item["q"], item.get("type", ""), ndcg(ranked, grades), recall(ranked, grades), ranked))
    return scores


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def summary(scores):
    return {"queries": len(scores), "ndcg@5": round(mean(s.ndcg5 for s in scores), 3),
            "recall@10": round(mean(s.recall10 for s in scores), 3)}
