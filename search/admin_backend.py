"""Wagtail admin search that finds Chinese words inside sentences.

``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.admin_backend"}}``

Wagtail's database backend (modelsearch) indexes each search field as written; SQLite's FTS5 and
PostgreSQL's parser then see a whole Chinese sentence as one token, so 沟通 or 青春期 inside a
sentence is never found. This backend is Wagtail's own database backend for the current database
with one change at each end: every indexed text is jieba-segmented (search mode, filler words
kept, ``search.analysis``) before it is stored, and every query string is segmented the same way.
"""

from __future__ import annotations

import copy

from modelsearch.backends.database import SearchBackend as _database_backend
from modelsearch.index import RelatedFields

from .analysis import segment_for_index, segment_query


def admin_text(value):
    if value is None:
        return value
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v is not None)
    elif isinstance(value, dict):
        value = " ".join(str(v) for v in value.values() if v is not None)
    return " ".join(segment_for_index(str(value), stop=False))


def admin_query(query):
    if not isinstance(query, str):
        return query
    return " ".join(segment_query(query, stop=False)) or query


def _wrap(field):
    if isinstance(field, RelatedFields):
        wrapped = copy.copy(field)
        wrapped.fields = [_wrap(f) for f in field.fields]
        original = field.get_value
        wrapped.get_value = lambda obj: original(getattr(obj, "_gongyu_object", obj))
        return wrapped
    wrapped = copy.copy(field)
    original = field.get_value

    def get_value(obj):
        value = original(getattr(obj, "_gongyu_object", obj))
        return value if value is None or hasattr(value, "all") else admin_text(value)

    wrapped.get_value = get_value
    return wrapped


class _Segmented:
    """Stands in for a model instance while it is indexed: same pk, segmented field values."""

    def __init__(self, obj):
        self._gongyu_object = obj
        self.pk = obj.pk

    def get_search_fields(self):
        return [_wrap(f) for f in self._gongyu_object.get_search_fields()]


def _segmenting_index(index_class):
    class SegmentingIndex(index_class):
        def add_items(self, model, objs):
            return super().add_items(model, [_Segmented(obj) for obj in objs])

    return SegmentingIndex


def SearchBackend(params):  # noqa: N802 - Wagtail looks this name up in the module
    backend = _database_backend(params)
    cls = type(backend)

    class ChineseSearchBackend(cls):
        index_class = _segmenting_index(cls.index_class)

        def search(self, query, *args, **kwargs):
            return super().search(admin_query(query), *args, **kwargs)

        def autocomplete(self, query, *args, **kwargs):
            return super().autocomplete(admin_query(query), *args, **kwargs)

    backend.__class__ = ChineseSearchBackend
    return backend
