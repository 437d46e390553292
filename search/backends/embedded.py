"""The embedded backend: full-text search inside the site's own database, no server.

SQLite: an FTS5 table over jieba-segmented text (``unicode61`` then only splits on the spaces we
put between words), ranked with ``bm25`` and per-column weights. PostgreSQL: a ``tsvector`` with
the four weights A–D (title, problem, summary+shelf, body), ranked with ``ts_rank``. Facets are
rows of ``IndexFacet`` counted with one GROUP BY. Query words are always bound parameters, quoted
as FTS5 strings or passed through ``plainto_tsquery``: no query syntax reaches the engine.

A rebuild runs in one transaction, so readers see the old index until the new one is complete.
"""

from __future__ import annotations

import json

from django.db import connection, transaction

from ..analysis import index_grams, index_text
from ..documents import FACETS, KINDS, WEIGHTS
from ..models import IndexEntry, IndexFacet
from .base import CANDIDATES, Matches, SearchBackend

FTS = "gongyu_search_fts"
COLUMNS = ("title", "problem", "summary", "shelf", "body")
BATCH = 500


def _segmented(entry):
    words = [index_text(getattr(entry, column, "") or "") for column in COLUMNS]
    grams = index_grams(" ".join(getattr(entry, c, "") or "" for c in ("title", "problem", "summary", "body")))
    return [*words, grams]


def _words(tokens) -> str:
    """FTS5 expression: any of ``tokens`` in the word columns."""
    return "{" + " ".join(COLUMNS) + "} : (" + " OR ".join(_quote(t) for t in tokens) + ")"


def _quote(token):
    return '"' + token.replace('"', '""') + '"'


class _Sqlite:
    def write(self, cursor, rows):
        ids = [r[0] for r in rows]
        cursor.execute(f"DELETE FROM {FTS} WHERE rowid IN (SELECT value FROM json_each(%s))", [json.dumps(ids)])
        cursor.executemany(
            f"INSERT INTO {FTS} (rowid, {', '.join(COLUMNS)}, grams) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows
        )

    def delete(self, cursor, ids):
        cursor.execute(f"DELETE FROM {FTS} WHERE rowid IN (SELECT value FROM json_each(%s))", [json.dumps(ids)])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {FTS}")

    def in_ids(self, ids):
        return "IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]

    def group_query(self, tokens, limit):
        """Entries containing any token in the word columns, scored by bm25 with field weights."""
        weights = ", ".join(str(WEIGHTS[c]) for c in COLUMNS)
        sql = f"SELECT rowid, -bm25({FTS}, {weights}, 0) AS s FROM {FTS} WHERE {FTS} MATCH %s ORDER BY s DESC"
        expression = _words(tokens)
        return (sql + " LIMIT %s", [expression, limit]) if limit else (sql, [expression])

    def count_query(self, tokens):
        """How many entries contain any token in the word columns (no ranking: FTS5 only walks
        the tokens' lists)."""
        return f"SELECT count(*) FROM {FTS} WHERE {FTS} MATCH %s", [_words(tokens)]

    def gram_query(self, grams, limit):
        zeros = ", ".join("0" for _ in COLUMNS)
        expression = "grams : (" + " OR ".join(_quote(t) for t in grams) + ")"
        sql = f"SELECT rowid, -bm25({FTS}, {zeros}, 1) AS s FROM {FTS} WHERE {FTS} MATCH %s ORDER BY s DESC"
        return (sql + " LIMIT %s", [expression, limit]) if limit else (sql, [expression])

class _Postgres:
    # ts_rank weights are {D, C, B, A}: body, summary+shelf, problem, title.
    RANK = f"""'{{{WEIGHTS["body"] / 10}, {WEIGHTS["summary"] / 10}, {WEIGHTS["problem"] / 10}, {WEIGHTS["title"] / 10}}}'"""

    def write(self, cursor, rows):
        cursor.executemany(
            f"INSERT INTO {FTS} (entry_id, document, grams) VALUES (%s,"
            " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
            " || setweight(to_tsvector('simple', %s || ' ' || %s), 'C') || setweight(to_tsvector('simple', %s), 'D'),"
            " to_tsvector('simple', %s))"
            " ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document, grams = EXCLUDED.grams",
            rows,
        )

    @staticmethod
    def _tsquery(tokens):
        """Any of ``tokens``, as one tsquery expression (its parameters are the tokens)."""
        return " || ".join("plainto_tsquery('simple', %s)" for _ in tokens)

    def group_query(self, tokens, limit):
        query = self._tsquery(tokens)
        sql = (f"SELECT f.entry_id, ts_rank({self.RANK}, f.document, q.query) * 10 AS s FROM {FTS} f,"
               f" (SELECT ({query}) AS query) q WHERE f.document @@ q.query ORDER BY s DESC")
        return (sql + " LIMIT %s", [*tokens, limit]) if limit else (sql, list(tokens))

    def count_query(self, tokens):
        return f"SELECT count(*) FROM {FTS} WHERE document @@ ({self._tsquery(tokens)})", list(tokens)

    def gram_query(self, grams, limit):
        query = self._tsquery(grams)
        sql = (f"SELECT f.entry_id, ts_rank(f.grams, q.query) * 10 AS s FROM {FTS} f,"
               f" (SELECT ({query}) AS query) q WHERE f.grams @@ q.query ORDER BY s DESC")
        return (sql + " LIMIT %s", [*grams, limit]) if limit else (sql, list(grams))

    def delete(self, cursor, ids):
        cursor.execute(f"DELETE FROM {FTS} WHERE entry_id = ANY(%s)", [list(ids)])

    def clear(self, cursor):
        cursor.execute(f"DELETE FROM {FTS}")

    def in_ids(self, ids):
        return "= ANY(%s)", [list(ids)]


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, **options):
        vendor = connection.vendor
        if vendor == "sqlite":
            self.sql = _Sqlite()
        elif vendor == "postgresql":
            self.sql = _Postgres()
        else:
            raise RuntimeError(f"内置搜索只支持 SQLite 和 PostgreSQL,当前数据库是 {vendor};请改用 Elasticsearch。")

    # --- writing ------------------------------------------------------------------------------

    def _write(self, cursor, entries):
        rows, facets = [], []
        objects = IndexEntry.objects.bulk_create(
            [IndexEntry(entry_id=e.meta.id, kind=e.kind, url=e.url, path=e.path or "", title=e.title[:500],
                        display=e.display.to_dict() if hasattr(e.display, "to_dict") else e.display)
             for e in entries]
        )
        if connection.vendor == "sqlite" and any(o.pk is None for o in objects):
            ids = dict(IndexEntry.objects.filter(entry_id__in=[o.entry_id for o in objects]).values_list("entry_id", "id"))
            for o in objects:
                o.pk = ids[o.entry_id]
        for obj, entry in zip(objects, entries, strict=True):
            rows.append([obj.pk, *_segmented(entry)])
            for field in FACETS.values():
                values = getattr(entry, field, None) or []
                for value in [values] if isinstance(values, str) else values:
                    facets.append(IndexFacet(entry_id=obj.pk, facet=field, value=value))
        IndexFacet.objects.bulk_create(facets, batch_size=BATCH)
        if rows:
            self.sql.write(cursor, rows)

    def _remove(self, cursor, queryset):
        ids = list(queryset.values_list("id", flat=True))
        if ids:
            self.sql.delete(cursor, ids)
            IndexEntry.objects.filter(id__in=ids).delete()

    def rebuild(self, entries, progress=None):
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            self.sql.clear(cursor)
            IndexEntry.objects.all().delete()
            batch = []
            for entry in entries:
                batch.append(entry)
                if len(batch) >= BATCH:
                    self._write(cursor, batch)
                    count += len(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                self._write(cursor, batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
        return count

    def upsert(self, entries):
        entries = list(entries)
        if not entries:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            self._remove(cursor, IndexEntry.objects.filter(entry_id__in=[e.meta.id for e in entries]))
            self._write(cursor, entries)

    def delete(self, entry_ids):
        with transaction.atomic(), connection.cursor() as cursor:
            self._remove(cursor, IndexEntry.objects.filter(entry_id__in=list(entry_ids)))

    def delete_subtree(self, path):
        with transaction.atomic(), connection.cursor() as cursor:
            self._remove(cursor, IndexEntry.objects.filter(path__startswith=path).exclude(path=""))

    def ids_under(self, path):
        return set(IndexEntry.objects.filter(path__startswith=path).exclude(path="").values_list("entry_id", flat=True))

    def count(self):
        return IndexEntry.objects.count()

    # --- reading ------------------------------------------------------------------------------

    def _allowed(self, cursor, request):
        """Entry ids passing the request's filters (None: no filter)."""
        allowed = None
        for field, values in request.filters.items():
            if values:
                marks = ", ".join(["%s"] * len(values))
                cursor.execute(
                    f"SELECT entry_id FROM gongyu_search_indexfacet WHERE facet = %s AND value IN ({marks})",
                    [field, *values],
                )
                ids = {row[0] for row in cursor.fetchall()}
                allowed = ids if allowed is None else allowed & ids
        return allowed

    def _browse(self, request):
        with connection.cursor() as cursor:
            allowed = self._allowed(cursor, request)
            cursor.execute("SELECT id, kind FROM gongyu_search_indexentry")
            order = {k: i for i, k in enumerate(KINDS)}
            rows = [r for r in cursor.fetchall() if allowed is None or r[0] in allowed]
        ranked = [(i, 0.0) for i, _ in sorted(rows, key=lambda r: (order.get(r[1], 9), r[0]))]
        hits, facets = self._page(request, ranked)
        return hits, len(ranked), facets

    def _candidates(self, request, groups, grams):
        with connection.cursor() as cursor:
            allowed = self._allowed(cursor, request)
            # With a filter every match is read (the best 300 might all be filtered out).
            limit = None if allowed is not None else CANDIDATES

            def read(sql_params):
                cursor.execute(*sql_params)
                return {row[0]: float(row[1] or 0) for row in cursor.fetchall() if allowed is None or row[0] in allowed}

            def group(tokens):
                found = Matches(read(self.sql.group_query(tokens, limit)))
                if limit and len(found) >= limit:
                    # The candidates were cut: count every match, for the group's rarity.
                    cursor.execute(*self.sql.count_query(tokens))
                    found.count = max(found.count, cursor.fetchone()[0])
                return found

            scores = [group(tokens) for tokens in groups]
            gram_scores = read(self.sql.gram_query(grams, limit)) if grams else {}
        return scores, gram_scores

    def _gram_ids(self, request, gram, ids):
        with connection.cursor() as cursor:
            cursor.execute(*self.sql.gram_query([gram], None))
            return {i for i, _ in cursor.fetchall() if i in ids}

    def _page(self, request, ranked, counted=None):
        facets = {}
        counted = ranked if counted is None else ranked[:counted]
        if counted:
            with connection.cursor() as cursor:
                clause, params = self.sql.in_ids([r[0] for r in counted])
                cursor.execute(
                    f"SELECT facet, value, COUNT(*) FROM gongyu_search_indexfacet WHERE entry_id {clause} GROUP BY facet, value",
                    params,
                )
                for facet, value, n in cursor.fetchall():
                    facets.setdefault(facet, {})[value] = n
        return self._hits(ranked[request.offset:request.offset + request.size]), facets

    def _hits(self, page):
        rows = {e.id: e for e in IndexEntry.objects.filter(id__in=[r[0] for r in page])}
        hits = [
            {"url": rows[i].url, "kind": rows[i].kind, "display": rows[i].display, "score": float(score or 0)}
            for i, score in page if i in rows
        ]
        return hits

    def _texts(self, ids):
        rows = dict(IndexEntry.objects.filter(id__in=ids).values_list("id", "display"))
        return [" ".join((rows[i] or {}).get(k, "") for k in ("title", "summary", "body")) for i in ids if i in rows]

    def _suggest(self, q, kinds, limit):
        rows = IndexEntry.objects.filter(kind__in=kinds, title__icontains=q).values("title", "url", "kind")[:limit]
        return [dict(r) for r in rows]
