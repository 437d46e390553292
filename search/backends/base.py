"""What every backend shares: the result shape, facet names, snippets, timing."""

from __future__ import annotations

import time

from ..documents import FACETS, KINDS, TEXT_FIELDS
from ..highlight import mark, snippet

SUGGEST_KINDS = ("problem", "course", "micro_lesson", "lesson")
def combine(groups, minimum):
    """Score entries from per-token hits, the same way every backend does.

    ``groups``: one list per query concept, each a list of [(entry_id, score)] for its tokens
    (the typed word, then its synonym-group keys, so an entry with the very word scores above
    one with only a synonym). An entry's score for a concept is the sum of its token scores;
    entries matching fewer than ``minimum`` concepts are dropped; the rest are ranked by the sum
    over concepts (ties by id). SQLite computes this in SQL (FTS5 bm25 of ``(a OR a_key) AND …``
    is that sum); Elasticsearch as ``bool.should`` per concept with ``minimum_should_match``.
    """
    totals, matched = {}, {}
    for group in groups:
        sums = {}
        for hits in group:
            for entry_id, score in hits:
                sums[entry_id] = sums.get(entry_id, 0.0) + float(score or 0)
        for entry_id, value in sums.items():
            totals[entry_id] = totals.get(entry_id, 0.0) + value
            matched[entry_id] = matched.get(entry_id, 0) + 1
    ranked = [(i, s) for i, s in totals.items() if matched[i] >= minimum]
    ranked.sort(key=lambda r: (-r[1], r[0]))
    return ranked


class SearchBackend:
    name = "base"

    # writing
    def rebuild(self, entries, progress=None) -> int: raise NotImplementedError
    def upsert(self, entries): raise NotImplementedError
    def delete(self, entry_ids): raise NotImplementedError
    def delete_subtree(self, path): raise NotImplementedError
    def ids_under(self, path) -> set[str]: raise NotImplementedError
    def count(self) -> int: raise NotImplementedError

    # reading: engine-specific parts
    def _match(self, request, groups, minimum):
        """[(entry_id, score)] of entries containing a token of at least ``minimum`` groups,
        with the request's filters applied, best first; and the facet counts
        {facet: {value: count}} over all of them; and the raw fields of the requested page."""
        raise NotImplementedError

    def _suggest(self, q, kinds, limit): raise NotImplementedError

    # reading: shared
    def search(self, request):
        started = time.perf_counter()
        terms = request.terms
        fallback = False
        if not request.q:
            hits, total, facets = self._match(request, (), 0)
        elif not terms:
            hits, total, facets = [], 0, {}
        else:
            # Each concept: the typed word, then its synonym-group keys (see search.analysis).
            groups = tuple(self.concept(w, k, g) for w, k, g in zip(terms.words, terms.keys, terms.groups))
            hits, total, facets = self._match(request, groups, len(groups))
            if total == 0 and (len(groups) > 1 or terms.partial):
                # Best partial: each concept widened by its sub-words, most concepts required.
                widened = tuple(g + tuple(p for p in terms.partial if p in g[0]) for g in groups)
                extra = tuple(p for p in terms.partial if not any(p in g[0] for g in groups))
                if len(groups) == 1:
                    widened, extra = (widened[0] + extra,), ()
                hits, total, facets = self._match(request, widened + tuple((p,) for p in extra), request.partial_minimum())
                fallback = total > 0
        return {
            "query": request.q,
            "total": total,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
            "page": request.page,
            "pages": -(-total // request.size) if total else 0,
            "fallback": fallback,
            "results": [self.shape(hit, terms.all_terms) for hit in hits],
            "facets": facet_list(facets),
        }

    def concept(self, word, keys, synonyms):
        """The tokens that stand for one query word: the word, then its synonym-group keys."""
        return (word, *keys)

    def suggest(self, q, limit=8):
        if not q:
            return []
        found = self._suggest(q, SUGGEST_KINDS, 50)
        rank = {k: i for i, k in enumerate(SUGGEST_KINDS)}
        found.sort(key=lambda s: (rank.get(s["kind"], 9), len(s["title"]), s["title"]))
        out, seen = [], set()
        for item in found:
            if item["title"] in seen:
                continue
            seen.add(item["title"])
            item["title_html"] = mark(item["title"], [q.lower(), q])
            out.append(item)
        return out[:limit]

    @staticmethod
    def shape(hit, terms):
        display = hit["display"]
        return {
            "title": display["title"],
            "title_html": mark(display["title"], terms),
            "url": hit["url"],
            "kind": hit["kind"],
            "kind_name": KINDS.get(hit["kind"], hit["kind"]),
            "snippet": snippet([display.get("summary", ""), display.get("body", "")], terms),
            "taxonomy": display.get("taxonomy", {}),
            "score": round(hit.get("score", 0.0), 4),
        }


_names = {"at": 0.0, "value": None}
NAMES_TTL = 30.0  # seconds a process keeps the taxonomy names for facets


def _facet_names():
    from cms.taxonomy.models import Problem, Stage, Theme

    if _names["value"] is not None and time.monotonic() - _names["at"] < NAMES_TTL:
        return _names["value"]
    value = {
        "stages": {s.code: (s.name, i) for i, s in enumerate(Stage.objects.all())},
        "themes": {t.code: (t.name, i) for i, t in enumerate(Theme.objects.all())},
        "problems": {p.code: (p.title, i) for i, p in enumerate(Problem.objects.all())},
        "kind": {k: (v, i) for i, (k, v) in enumerate(KINDS.items())},
    }
    _names.update(at=time.monotonic(), value=value)
    return value


def facet_list(counts):
    """{facet: {value: n}} -> {stage: [{code, name, count}], …} in shelf order."""
    names = _facet_names()
    out = {}
    for facet, field in FACETS.items():
        values = counts.get(field, {})
        known = names[field]
        items = [
            {"code": code, "name": known.get(code, (code, 0))[0], "count": n}
            for code, n in values.items() if n
        ]
        items.sort(key=lambda i: (known.get(i["code"], ("", 10**6))[1], i["code"]))
        out[facet] = items
    return out


__all__ = ["SearchBackend", "TEXT_FIELDS", "facet_list"]
