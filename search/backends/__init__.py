"""Search backends behind one interface (``SearchBackend``), chosen by ``settings.SEARCH_BACKEND``:
``embedded`` (SQLite FTS5 or PostgreSQL full text in the site's own database, no server) or
``elasticsearch`` (``settings.ELASTICSEARCH_URL``)."""

from django.conf import settings

BACKENDS = {
    "embedded": "search.backends.embedded.EmbeddedBackend",
    "elasticsearch": "search.backends.elastic.ElasticsearchBackend",
}


def get_backend(name=None, **options):
    from django.utils.module_loading import import_string

    name = name or settings.SEARCH_BACKEND
    try:
        path = BACKENDS[name]
    except KeyError:
        raise ValueError(f"未知的搜索后端「{name}」,可选:{', '.join(BACKENDS)}(设置 GONGYU_SEARCH_BACKEND)。") from None
    return import_string(path)(**options)
