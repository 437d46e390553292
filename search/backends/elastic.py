"""The Elasticsearch 8.x backend (``elasticsearch`` client >= 8.18, < 9; DSL from ``elasticsearch.dsl``).

- The index is reached through an alias (``settings.ELASTICSEARCH_INDEX``). A rebuild creates a
  new dated index, bulk-fills it, then swaps the alias in one atomic ``_aliases`` call and drops
  the old index: searches never see a half-built index (zero downtime).
- The mapping works on a stock node with no plugins: text fields hold jieba-segmented text (the
  same ``search.analysis`` as the embedded backend) analysed by the built-in ``whitespace``
  analyzer. With ``GONGYU_ES_ANALYZER=smartcn`` or ``ik_max_word`` (plugins the operator
  installed) the raw text is indexed with that analyzer instead.
- Scoring is shared with the embedded backend (``SearchBackend.search``): this engine gives each
  query concept's BM25 over the weighted fields (one ``bool.should`` of the typed word and its
  synonym-group keys, scores summed) for the best candidates; coverage and rarity are combined in
  Python the same way for every engine.
- A query costs one search: the candidate search reads no stored field (``stored_fields:
  _none_``); each hit's id (``eid``) and facet values (kind, stages, themes, problems) come from
  doc values, its per-concept scores from named queries, its version (index, ``_seq_no``,
  ``_primary_term``) with it; facets are counted from those values in Python. The shown page's
  display data comes from a per-process cache keyed by that version (``DISPLAY_CACHE`` entries,
  least recently used dropped), so an edited or re-indexed entry is never shown stale; only
  entries not in it are fetched with one ``mget``. More searches only for a one-character query,
  when no entry holds a word of the query (the bigram floor), or when fewer than a page match
  directly (the related entries). Loading stored fields (``_id``, ``_source``) for 300 hits cost
  ~50 ms at 10,000 lessons; doc values cost ~3 ms. An index built before ``eid`` existed is still
  read (with stored ``_id``) until ``manage.py search_index rebuild``.
"""

from __future__ import annotations

import collections
import datetime
import threading

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError, helpers

from ..analysis import index_grams, index_text
from ..documents import FACETS, KINDS, TEXT_FIELDS, WEIGHTS, ZH, Entry
from .base import CANDIDATES, Matches, SearchBackend

PLUGIN_ANALYZERS = {"smartcn": "smartcn", "ik_max_word": "ik_max_word"}


DISPLAY_CACHE = 2000  # shown entries (url, kind, display) kept per process, least recently used dropped


def _version(hit):
    """What identifies one version of an indexed entry: a re-index writes a new index (new name),
    an update a new sequence number."""
    seq_no = hit.get("_seq_no")
    return None if seq_no is None else (hit.get("_index"), seq_no, hit.get("_primary_term"))


class _DisplayCache:
    def __init__(self, limit):
        self.limit, self.items, self.lock = limit, collections.OrderedDict(), threading.Lock()

    def get(self, version, entry_id):
        if version is None:
            return None
        with self.lock:
            value = self.items.get((version, entry_id))
            if value is not None:
                self.items.move_to_end((version, entry_id))
            return value

    def put(self, version, entry_id, value):
        if version is None:
            return
        with self.lock:
            self.items[(version, entry_id)] = value
            while len(self.items) > self.limit:
                self.items.popitem(last=False)


_DISPLAY = _DisplayCache(DISPLAY_CACHE)


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url=None, alias=None, analyzer=None, **options):
        self._local = threading.local()  # facet values of the current query's candidates
        self._legacy = False  # the index has no ``eid`` doc values (built before it existed)
        self.url = url or settings.ELASTICSEARCH_URL
        self.alias = alias or getattr(settings, "ELASTICSEARCH_INDEX", "gongyu-entries")
        self.analyzer = analyzer or getattr(settings, "ELASTICSEARCH_ANALYZER", "jieba")
        if self.analyzer != "jieba" and self.analyzer not in PLUGIN_ANALYZERS:
            raise ValueError(f"不支持的分词器「{self.analyzer}」,可选:jieba、smartcn、ik_max_word。")
        self.client = Elasticsearch(self.url, request_timeout=options.get("timeout", 30))

    # --- index layout -------------------------------------------------------------------------

    def index_body(self):
        mapping = Entry._doc_type.mapping.to_dict()
        if self.analyzer != "jieba":
            for field in mapping["properties"].values():
                if field.get("analyzer") == ZH:
                    field["analyzer"] = PLUGIN_ANALYZERS[self.analyzer]
        # Character bigrams, pre-cut (search.analysis.index_grams): the recall floor, no plugin.
        mapping["properties"]["grams"] = {"type": "text", "analyzer": "whitespace"}
        return {"settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": mapping}

    def _source(self, entry):
        source = entry.to_dict()
        source["eid"] = entry.meta.id
        for field in TEXT_FIELDS:
            raw = getattr(entry, field, "") or ""
            source[field] = index_text(raw) if self.analyzer == "jieba" else raw
        source["suggest"] = entry.title
        source["grams"] = index_grams(" ".join(getattr(entry, f, "") or "" for f in ("title", "problem", "summary", "body")))
        return source

    def _indexes(self):
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).keys())
        except NotFoundError:
            return []

    def _new_index(self):
        name = f"{self.alias}-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S%f}"
        self.client.indices.create(index=name, **self.index_body())
        return name

    def ensure_index(self):
        if not self._indexes():
            if self.client.indices.exists(index=self.alias):
                return  # a concrete index of that name (older layout): used as is until a rebuild
            name = self._new_index()
            self.client.indices.put_alias(index=name, name=self.alias)

    # --- writing ------------------------------------------------------------------------------

    def rebuild(self, entries, progress=None):
        new = self._new_index()
        count = 0
        try:
            actions = ({"_index": new, "_id": e.meta.id, "_source": self._source(e)} for e in entries)
            for _ in helpers.streaming_bulk(self.client, actions, chunk_size=500, raise_on_error=True):
                count += 1
                if progress:
                    progress(1)
            self.client.indices.refresh(index=new)
        except Exception:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        old = self._indexes()
        swap = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        if not old and self.client.indices.exists(index=self.alias):
            swap.append({"remove_index": {"index": self.alias}})
        swap.append({"add": {"index": new, "alias": self.alias}})
        self.client.indices.update_aliases(actions=swap)
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        return count

    def upsert(self, entries):
        entries = list(entries)
        if not entries:
            return
        self.ensure_index()
        actions = [{"_index": self.alias, "_id": e.meta.id, "_source": self._source(e)} for e in entries]
        helpers.bulk(self.client, actions, refresh=True)

    def delete(self, entry_ids):
        entry_ids = list(entry_ids)
        if not entry_ids or not self._exists():
            return
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": i} for i in entry_ids]
        helpers.bulk(self.client, actions, refresh=True, raise_on_error=False)

    def delete_subtree(self, path):
        # delete_by_query lives in the reindex module, which a minimal node lacks: find, then delete.
        self.delete(self.ids_under(path))

    def ids_under(self, path):
        if not path or not self._exists():
            return set()
        hits = helpers.scan(self.client, index=self.alias, query={"query": {"prefix": {"path": path}}, "_source": False})
        return {hit["_id"] for hit in hits}

    def count(self):
        return self.client.count(index=self.alias)["count"] if self._exists() else 0

    def _exists(self):
        return bool(self.client.indices.exists(index=self.alias))

    # --- reading ------------------------------------------------------------------------------

    def _filters(self, request):
        return [{"terms": {field: list(values)}} for field, values in request.filters.items() if values]

    def concept(self, word, keys, synonyms):
        # Plugin analyzers index raw text, where no synonym-group keys exist: use the synonyms.
        return (word, *keys) if self.analyzer == "jieba" else tuple(synonyms)

    def concept_query(self, tokens):
        fields = [f"{name}^{weight:g}" for name, weight in WEIGHTS.items()]
        if self.analyzer == "jieba":
            # BM25F over the weighted fields as one field (``combined_fields``): a field's weight
            # multiplies the term frequency before it saturates, as FTS5's bm25() column weights
            # do, so a title match counts alike in both engines (with per-field BM25 summed, a
            # title match of 玩 scored 5× any other page here and 1.1× there).
            return {"bool": {"should": [
                {"combined_fields": {"query": " ".join(tokens), "fields": fields, "operator": "or"}}
            ], "minimum_should_match": 1}}
        return {"bool": {"should": [
            {"multi_match": {"query": token, "fields": fields, "type": "most_fields", "operator": "and"}}
            for token in tokens
        ], "minimum_should_match": 1}}

    def concept_tokens(self, concept):
        # Plugin analyzers index raw text, where no synonym-group keys exist: use the words.
        return concept.tokens if self.analyzer == "jieba" else tuple(t for t in concept.tokens if not t.startswith("zsyn"))

    def search(self, request):
        self._local.fields, self._local.versions = {}, {}
        try:
            return super().search(request)
        finally:
            self._local.fields, self._local.versions = {}, {}

    def _hits(self, query, size, counts=None):
        """Hits of ``query`` as (entry id, named-query scores), reading doc values only; the facet
        values of each hit are kept for ``_page``. ``counts``: {name: query} — how many entries
        match each (a ``filters`` aggregation in the same request) is written back into it."""
        docvalues = ["eid", *FACETS.values()]
        options = {"source": False} if self._legacy else {"stored_fields": "_none_"}
        if counts:
            options["aggs"] = {"counts": {"filters": {"filters": dict(counts)}}}
        response = self.client.search(
            index=self.alias, query=query, size=size, track_total_hits=False, seq_no_primary_term=True,
            include_named_queries_score=True, docvalue_fields=docvalues, **options,
        )
        raw = response["hits"]["hits"]
        if raw and not self._legacy and "eid" not in (raw[0].get("fields") or {}):
            self._legacy = True  # an index built before ``eid``: read the stored ids instead
            return self._hits(query, size, counts)
        if counts:
            buckets = response.get("aggregations", {}).get("counts", {}).get("buckets", {})
            counts.update({name: buckets.get(name, {}).get("doc_count", 0) for name in counts})
        fields = getattr(self._local, "fields", None)
        versions = getattr(self._local, "versions", None)
        out = []
        for hit in raw:
            values = hit.get("fields") or {}
            entry_id = hit["_id"] if self._legacy else values["eid"][0]
            if fields is not None:
                fields[entry_id] = values
            if versions is not None:
                versions[entry_id] = _version(hit)
            out.append((entry_id, hit.get("matched_queries") or {}))
        return out

    def _shown(self, ids):
        """{entry id: (url, kind, display)} of ``ids``: from this process's cache when the
        candidate search saw the same version of the entry (index, sequence number, primary term —
        an edited or re-indexed entry has a new one, so nothing stale is shown), the rest in one
        ``mget``."""
        versions = getattr(self._local, "versions", None) or {}
        out, missing = {}, []
        for entry_id in ids:
            cached = _DISPLAY.get(versions.get(entry_id), entry_id)
            if cached is None:
                missing.append(entry_id)
            else:
                out[entry_id] = cached
        if missing:
            docs = self.client.mget(index=self.alias, ids=missing, source=["url", "kind", "display"])["docs"]
            for doc in docs:
                if doc.get("found"):
                    shown = (doc["_source"]["url"], doc["_source"]["kind"], doc["_source"].get("display", {}))
                    out[doc["_id"]] = shown
                    _DISPLAY.put(_version(doc), doc["_id"], shown)
        return out

    def _texts(self, ids):
        shown = self._shown(ids)
        return [" ".join(shown[i][2].get(k, "") for k in ("title", "summary", "body")) for i in ids if i in shown]

    def _candidates(self, request, groups, grams):
        """One request: each group a named ``bool.should`` (scores summed over its tokens, fields
        weighted), the bigrams a named query on ``grams``; the best CANDIDATES entries come back
        with each named query's own score (``include_named_queries_score``)."""
        if not self._exists():
            return [{} for _ in groups], {}
        queries = {f"g{i}": self.concept_query(g) for i, g in enumerate(groups)}
        should = [{"bool": {**q["bool"], "_name": name}} for name, q in queries.items()]
        if grams:
            should.append({"match": {"grams": {"query": " ".join(grams), "operator": "or", "_name": "grams"}}})
        query = {"bool": {"should": should, "minimum_should_match": 1, "filter": self._filters(request)}}
        # How many entries match each group in all (within the filters): its rarity. The hits are
        # the best CANDIDATES of the whole query, so a group's share of them says little.
        counts = dict(queries)
        scores, gram_scores = [{} for _ in groups], {}
        for entry_id, matched in self._hits(query, CANDIDATES, counts):
            for name, score in matched.items():
                if name == "grams":
                    gram_scores[entry_id] = float(score)
                else:
                    scores[int(name[1:])][entry_id] = float(score)
        return [Matches(group, counts[f"g{i}"]) for i, group in enumerate(scores)], gram_scores

    def _gram_counts(self, request, grams, ids):
        # One request: each bigram a named term query over the candidates.
        if not ids:
            return {}
        should = [{"term": {"grams": {"value": g, "_name": f"q{n}"}}} for n, g in enumerate(grams)]
        ids = list(ids)
        if self._legacy:
            id_filter = {"ids": {"values": ids}}
        else:
            id_filter = {"terms": {"eid": ids}}
        query = {"bool": {"should": should, "minimum_should_match": 1, "filter": [id_filter]}}
        return {entry_id: len(matched) for entry_id, matched in self._hits(query, len(ids))}

    def _page(self, request, ranked, counted=None):
        """Facets counted from the candidates' doc values (every ranked entry is a candidate of
        this query); the shown page's display data in one ``mget``."""
        page = ranked[request.offset:request.offset + request.size]
        fields = getattr(self._local, "fields", None) or {}
        facets = {}
        for entry_id, _ in (ranked if counted is None else ranked[:counted]):
            values = fields.get(entry_id, {})
            for field in FACETS.values():
                for value in values.get(field, ()):
                    bucket = facets.setdefault(field, {})
                    bucket[value] = bucket.get(value, 0) + 1
        shown = self._shown([i for i, _ in page]) if page else {}
        hits = [{"url": shown[i][0], "kind": shown[i][1], "display": shown[i][2], "score": score}
                for i, score in page if i in shown]
        return hits, facets

    def _browse(self, request):
        ranks = list(KINDS)
        query = {"function_score": {
            "query": {"bool": {"filter": self._filters(request)}},
            "functions": [{"filter": {"term": {"kind": k}}, "weight": len(ranks) - i} for i, k in enumerate(ranks)],
            "score_mode": "first", "boost_mode": "replace",
        }}
        aggs = {field: {"terms": {"field": field, "size": 500}} for field in FACETS.values()}
        if not self._exists():
            return [], 0, {}
        response = self.client.search(
            index=self.alias, query=query, aggs=aggs, from_=request.offset, size=request.size,
            track_total_hits=True, source=["url", "kind", "display"],
        )
        hits = [
            {"url": h["_source"]["url"], "kind": h["_source"]["kind"], "display": h["_source"].get("display", {}),
             "score": float(h.get("_score") or 0.0)}
            for h in response["hits"]["hits"]
        ]
        facets = {
            field: {b["key"]: b["doc_count"] for b in agg["buckets"]}
            for field, agg in response.get("aggregations", {}).items()
        }
        return hits, response["hits"]["total"]["value"], facets

    def _suggest(self, q, kinds, limit):
        if not self._exists():
            return []
        response = self.client.search(
            index=self.alias, size=limit, source=["display.title", "url", "kind"],
            query={"bool": {"must": [{"match_phrase": {"suggest": q}}], "filter": [{"terms": {"kind": list(kinds)}}]}},
        )
        return [{"title": h["_source"]["display"]["title"], "url": h["_source"]["url"], "kind": h["_source"]["kind"]}
                for h in response["hits"]["hits"]]
