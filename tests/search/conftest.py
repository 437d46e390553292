"""Fixtures for the search tests: the embedded index (built by the demo import through the
index tasks) and a real Elasticsearch node, started once per session (marker ``elasticsearch``)."""

import uuid

import pytest

from search.backends import get_backend


@pytest.fixture(scope="session")
def es_node():
    """A real Elasticsearch 8.x node from Maven Central, on 127.0.0.1, stopped at the end."""
    from search.esnode import Node

    node = Node()
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def es_built(es_node, django_db_setup, django_db_blocker):
    """The demo catalogue indexed in Elasticsearch under a session alias (read-only tests)."""
    from search import api

    backend = get_backend("elasticsearch", url=es_node.url, alias=f"test-{uuid.uuid4().hex[:8]}")
    with django_db_blocker.unblock():
        api.rebuild(backend)
    return backend


@pytest.fixture
def es_fresh(es_node, db, settings):
    """Elasticsearch as the configured backend, with a private alias built from the database now."""
    from search import api

    alias = f"test-{uuid.uuid4().hex[:8]}"
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = es_node.url
    settings.ELASTICSEARCH_INDEX = alias
    backend = get_backend()
    api.rebuild(backend)
    yield backend
    backend.client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


ES = pytest.param("elasticsearch", marks=[pytest.mark.elasticsearch, pytest.mark.slow])


@pytest.fixture(params=["embedded", ES])
def backend(request, db):
    if request.param == "embedded":
        return get_backend("embedded")
    return request.getfixturevalue("es_built")


def urls(result):
    return [r["url"] for r in result["results"]]


def engine_with(request, entries, prefix):
    """A fixture body for ``params=["embedded", "elasticsearch"]``: that engine's index built from
    ``entries()`` (a throwaway alias on the real node), removed afterwards."""
    if request.param == "embedded":
        backend = get_backend("embedded")
        backend.rebuild(entries())
        yield backend
        return
    es_node = request.getfixturevalue("es_node")
    backend = get_backend("elasticsearch", url=es_node.url, alias=f"{prefix}-{uuid.uuid4().hex[:8]}")
    backend.rebuild(entries())
    yield backend
    backend.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True)
