"""Public surface of the search app.

    from search.api import search, suggest, rebuild, get_backend, QueryError

``search(q, stage=, theme=, problem=, kind=, page=)`` returns the API's JSON shape:
``{query, total, took_ms, page, pages, fallback, related, results: [{title, title_html, url, kind,
kind_name, snippet, taxonomy, score, related}], facets: {stage, theme, problem, kind: [{code, name, count}]}}``.
When fewer than 10 entries match directly, page 1 is filled with related entries (pseudo-relevance
feedback, ``SearchBackend._related``) after every direct match, each with ``related: true``;
``related`` counts them; ``total``, ``pages`` and the facets count the direct matches only.
``snippet`` and ``title_html`` are HTML-escaped text with the matched words in ``<mark>``.
``fallback`` is true (and ``label`` is 「最接近的结果」) when no result contains every word the
parent typed: the list is then the closest matches, to be shown under that label.
Raises ``QueryError`` (a Chinese message) for input we refuse.
"""

from .backends import get_backend
from .documents import all_entries, count_entries
from .query import QueryError, build_request, build_suggest

__all__ = ["search", "suggest", "rebuild", "get_backend", "QueryError"]


def search(q="", *, stage=None, theme=None, problem=None, kind=None, page=1, backend=None):
    request = build_request(q, stage=stage, theme=theme, problem=problem, kind=kind, page=page)
    return (backend or get_backend()).search(request)


def suggest(q, *, limit=8, backend=None):
    return (backend or get_backend()).suggest(build_suggest(q), limit=limit)


def rebuild(backend=None, progress=None):
    """Rebuild the whole index from the database; returns the number of entries."""
    return (backend or get_backend()).rebuild(all_entries(), progress=progress)


def expected_count():
    return count_entries()
