"""A parent's search request, checked once for every backend: bad input becomes ``QueryError``
with a Chinese message (the API answers 400 with it), never an exception from a backend.

The query text itself is never passed to an engine as syntax: it is segmented by
``search.analysis`` and only the resulting words reach FTS5, PostgreSQL or Elasticsearch, each
quoted or sent as a term. So ``"``, ``*``, ``(``, ``AND``, ``NEAR``, ``title:x`` are just text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .analysis import QueryTerms, query_terms
from .documents import KINDS

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
PAGE_SIZE = 10
MAX_PAGE = 50
MAX_FILTER_VALUES = 10


class QueryError(ValueError):
    """A request we refuse; ``str(error)`` is the message for the parent, in Chinese."""


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    terms: QueryTerms = field(default_factory=QueryTerms)
    stages: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def offset(self):
        return (self.page - 1) * self.size

    @property
    def filters(self):
        return {"stages": self.stages, "themes": self.themes, "problems": self.problems, "kind": self.kinds}

    def partial_minimum(self):
        """How many of the query's concepts a best-partial match must contain."""
        n = len(self.terms.groups)
        return max(1, math.ceil(n * 0.6)) if n > 1 else 1


def _values(raw, name, label):
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    values = []
    for item in raw:
        values.extend(v.strip() for v in str(item).split(",") if v.strip())
    if len(values) > MAX_FILTER_VALUES:
        raise QueryError(f"「{label}」筛选条件太多了,最多选择 {MAX_FILTER_VALUES} 项。")
    for value in values:
        if len(value) > 80 or not all(c.isalnum() or c in "-_" for c in value):
            raise QueryError(f"「{label}」筛选条件无效,请从页面上的筛选项中选择。")
    return tuple(dict.fromkeys(values))


def build_request(q="", *, stage=None, theme=None, problem=None, kind=None, page=1, size=PAGE_SIZE):
    q = (q or "").replace("\x00", " ").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"搜索内容太长了,请控制在 {MAX_QUERY_CHARS} 个字以内,换几个关键词试试。")
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        raise QueryError("页码应为正整数。") from None
    if page < 1 or page > MAX_PAGE:
        raise QueryError(f"页码应在 1 到 {MAX_PAGE} 之间。")
    kinds = _values(kind, "kind", "类型")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise QueryError(f"没有「{unknown[0]}」这种类型,可选:" + "、".join(f"{k}({v})" for k, v in KINDS.items()) + "。")
    terms = query_terms(q)
    if len(terms.groups) > MAX_WORDS:
        raise QueryError(f"搜索词太多了,请控制在 {MAX_WORDS} 个词以内。")
    return SearchRequest(
        q=q, terms=terms, page=page, size=size, kinds=kinds,
        stages=_values(stage, "stage", "学段"), themes=_values(theme, "theme", "主题"),
        problems=tuple(p.upper() for p in _values(problem, "problem", "问题")),
    )


def build_suggest(q):
    q = (q or "").replace("\x00", " ").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"搜索内容太长了,请控制在 {MAX_QUERY_CHARS} 个字以内。")
    return q
