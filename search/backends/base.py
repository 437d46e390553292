"""What every backend shares: the result shape, facet names, snippets, timing."""

from __future__ import annotations

import math
import time

from ..analysis import Concept, feedback_words, informativeness, synonym_keys
from ..documents import FACETS, KINDS, TEXT_FIELDS
from ..highlight import mark, snippet

SUGGEST_KINDS = ("problem", "course", "micro_lesson", "lesson")
CLOSEST = "最接近的结果"
CANDIDATES = 300  # best entries per query group that are ranked (bounds time at any index size)

# One ranking for every engine (search.backends.base.rank); tuned on the dev half only.
GRAM_WEIGHT = 0.3   # the bigram recall floor, below any word of the query
COVERAGE_BASE = 0.2  # an entry matching none of the query's words still ranks (bigrams only)
COVERAGE_POWER = 2.0
# Fewer direct matches than a page: the page is filled with entries about what the best matches
# are about (pseudo-relevance feedback; 网瘾 -> the best matches' 沉迷, 游戏 -> 沉迷电子游戏), after
# every direct match. Tuned on the dev half only.
RELATED_BELOW = 10
RELATED_DOCS = 3   # best matches read
RELATED_WORDS = 4  # their most telling words searched for
SIZE_TTL = 30.0  # seconds a backend object keeps the index size


class Matches(dict):
    """{entry_id: score} of one query group's best candidates (at most CANDIDATES), with
    ``count``: how many entries match the group in all. Rarity needs the true count: at 10,000
    entries 孩子 is in thousands, and counted among the 300 candidates it looked as rare as a word
    in 300 — weighing as much as the word the parent meant."""

    def __init__(self, scores=(), count=None):
        super().__init__(scores)
        self.count = len(self) if count is None else max(count, len(self))


def matched(group) -> int:
    """How many entries match a group: its ``count`` when the engine gave one (``Matches``)."""
    return getattr(group, "count", len(group))


def rank(concepts, scores, grams, size=None, everyday=True):
    """Rank entries by how much of the query they match, weighted by rarity and field.

    ``scores``: per concept {entry_id: BM25 with field weights} (a title counts more than the
    body), taken relative to the concept's best entry so that every engine ranks alike — a
    ``Matches`` also says how many entries match the concept in all (its rarity);
    ``grams``: {entry_id: BM25 of the query's characters/bigrams} (the floor). Each concept
    weighs ``weight × ln(1 + size / entries containing it)`` — a rare word counts more. An entry's
    score is ``(Σ weight·relative BM25 + GRAM_WEIGHT·bigram score) × (COVERAGE_BASE + coverage)^
    COVERAGE_POWER``, coverage being the weighted share of the query's concepts it contains: any
    entry containing one of the parent's words is a candidate (an everyday word no entry contains
    never empties the result), and entries containing more of the query rank above the rest.
    In a query of several words each weight is also scaled by ``analysis.informativeness`` (an
    everyday word such as 天天, 觉得, 不管 counts 0.2–1 of a telling one, by its frequency in
    general Chinese); ``everyday=False`` leaves it out (the related entries' words are chosen as
    telling already).
    Returns ([(entry_id, score)] best first, whether some entry contains every required concept).
    """
    required = [i for i, c in enumerate(concepts) if not c.optional]
    if size:
        # Coordination weighted by rarity: a concept few entries contain counts more.
        weights = [c.weight * math.log(1 + size / (1 + matched(scores[i]))) for i, c in enumerate(concepts)]
    else:
        weights = [c.weight for c in concepts]
    if everyday and len(concepts) > 1:
        # An everyday word (天天, 觉得, 不管) counts less than the telling word beside it, by its
        # frequency in general Chinese (analysis.informativeness), so an entry holding only the
        # everyday word does not rank above one holding the word the parent meant.
        # Both in the words' score and in the coverage: counted in the coverage only, 兄弟俩天天打架
        # (天天 and 打 in its title) still led 天天打王者 (tried on the dev half: 0.875 against 0.883).
        weights = [w * informativeness(c.word) for w, c in zip(weights, concepts, strict=True)]
    total_weight = sum(weights) or 1.0
    ids = set(grams)
    for group in scores:
        ids.update(group)
    ranked, complete = [], False
    # Entries that contain a word the parent typed (or its synonym) come first; when none does,
    # the bigram floor alone answers (a typo, an unknown compound). An entry matching only a
    # single character next to longer words (做 in 红烧肉怎么做) is noise and never returned.
    if len(concepts) == 1 and len(concepts[0].word) == 1 and grams:
        # A single character (吼, 哭): inside any word it is that word's concept, found by the
        # character column (大吼大叫, 哭闹), below the entries where it stands alone.
        scores = [{**{i: GRAM_WEIGHT * s for i, s in grams.items()}, **scores[0]}]
        grams = {}
    # Each engine's BM25 has its own scale (FTS5 column weights, Elasticsearch field boosts):
    # a concept's scores are taken relative to its best entry, so every engine ranks alike.
    scores = [_relative(group) for group in scores]
    grams = _relative(grams)
    anchored = {i for r in required for i in scores[r]} if required else set()
    if anchored:
        ids = anchored
    else:
        ids = set(grams)
    for entry_id in ids:
        words = sum(weights[i] * scores[i].get(entry_id, 0.0) for i in range(len(concepts)))
        covered = sum(weights[i] for i in range(len(concepts)) if entry_id in scores[i])
        coverage = covered / total_weight
        score = (words + GRAM_WEIGHT * grams.get(entry_id, 0.0)) * (COVERAGE_BASE + coverage) ** COVERAGE_POWER
        if required and all(entry_id in scores[i] for i in required):
            complete = True
        ranked.append((entry_id, score))
    # Equal scores in index order: the entry's number (embedded: its row, in the order entries were
    # written; Elasticsearch: its id). Not as text — on PostgreSQL the numbers keep growing across
    # rebuilds, and as text row 1000 sorted before row 999, so a rebuild moved the figures.
    ranked.sort(key=lambda r: (-r[1], r[0]))
    return ranked, complete


def _relative(group):
    top = max(group.values(), default=0.0)
    return {i: s / top for i, s in group.items()} if top > 0 else dict(group)


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
    def _browse(self, request):
        """No query: (hits of the requested page, total, facet counts) over every entry that
        passes the request's filters, ordered by kind."""
        raise NotImplementedError

    def _suggest(self, q, kinds, limit): raise NotImplementedError

    # reading: shared
    def _candidates(self, request, groups, grams):
        """Per-group scores of the best candidates, the request's filters applied:
        ([Matches per group], {entry_id: bigram score}); each group's score is the engine's BM25
        with field weights over the group's tokens (summed over matched tokens), and each
        ``Matches.count`` how many entries (within the filters) match the group in all."""
        raise NotImplementedError

    def _page(self, request, ranked, counted=None):
        """(hits of the requested page, facet counts over the first ``counted`` ranked entries —
        all of them when None)."""
        raise NotImplementedError

    def _gram_counts(self, request, grams, ids):
        """{entry_id: how many of ``grams`` it contains}, for the entries ``ids``."""
        counts = {}
        for gram in grams:
            for entry_id in self._gram_ids(request, gram, ids):
                counts[entry_id] = counts.get(entry_id, 0) + 1
        return counts

    def _texts(self, ids):
        """[title + summary + body] of the entries ``ids`` (raw text, in that order)."""
        raise NotImplementedError

    def _related(self, request, concepts, ranked):
        """Entries that are not direct matches but share the best matches' most telling words
        (``analysis.feedback_words``), ranked by the same rule, scored below every direct match;
        at most enough to fill the first page."""
        texts = self._texts([i for i, _ in ranked[:RELATED_DOCS]])
        words = feedback_words(texts, {t for c in concepts for t in c.tokens}, RELATED_WORDS)
        if not words:
            return []
        more = [Concept(w, (w, *synonym_keys(w))) for w in words]
        scores, _ = self._candidates(request, tuple(self.concept_tokens(c) for c in more), ())
        tail, _ = rank(more, scores, {}, self.size(), everyday=False)
        seen = {i for i, _ in ranked}
        floor = min(s for _, s in ranked) * 0.5
        top = max((s for _, s in tail), default=0.0) or 1.0
        return [(i, floor * s / top) for i, s in tail if i not in seen][:RELATED_BELOW - len(ranked)]

    def search(self, request):
        started = time.perf_counter()
        terms = request.terms
        fallback, related = False, []
        if not request.q:
            hits, total, facets = self._browse(request)
        elif not terms:
            hits, total, facets = [], 0, {}
        else:
            concepts = terms.concepts
            groups = tuple(self.concept_tokens(c) for c in concepts)
            required = [i for i, c in enumerate(concepts) if not c.optional]
            scores, _ = self._candidates(request, groups, ())
            grams = {}
            single = len(concepts) == 1 and len(concepts[0].word) == 1
            if terms.grams and (single or not any(scores[i] for i in required)):
                # The character floor is read only when it can matter: no entry has a word of the
                # query (a typo, an unknown compound), or the query is one character.
                _, grams = self._candidates(request, (), terms.grams)
            if grams and len(terms.grams) > 1 and not any(scores[i] for i in required):
                # Only the bigram floor answers: keep entries holding at least half of the query's
                # bigrams (多动证 -> 多动 of 多动障碍), not one stray pair (机密标记 -> 标记).
                need = -(-len(terms.grams) // 2)
                counts = self._gram_counts(request, terms.grams, set(grams))
                grams = {i: s for i, s in grams.items() if counts.get(i, 0) >= need}
            ranked, complete = rank(concepts, scores, grams, self.size())
            if ranked and len(ranked) < RELATED_BELOW and request.page == 1:
                related = self._related(request, concepts, ranked)
            fallback = bool(ranked) and not complete
            # Total and facets count the direct matches; related entries follow them on page 1.
            hits, facets = self._page(request, ranked + related, len(ranked))
            for hit in hits[max(0, len(ranked) - request.offset):]:
                hit["related"] = True
            total = len(ranked)
        result = {
            "query": request.q,
            "total": total,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
            "page": request.page,
            "pages": -(-total // request.size) if total else 0,
            "fallback": fallback,
            "related": sum(1 for hit in hits if hit.get("related")),
            "results": [self.shape(hit, terms.all_terms) for hit in hits],
            "facets": facet_list(facets),
        }
        if fallback:
            result["label"] = CLOSEST
        return result

    def size(self):
        """How many entries the index holds (cached a few seconds: it only scales rarity)."""
        now = time.monotonic()
        cached = getattr(self, "_size", None)
        if cached is None or now - cached[0] > SIZE_TTL:
            cached = (now, max(1, self.count()))
            self._size = cached
        return cached[1]

    def concept_tokens(self, concept):
        """The tokens of one query concept for this engine (the word, its synonym keys, …)."""
        return concept.tokens

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
            "related": bool(hit.get("related")),
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

