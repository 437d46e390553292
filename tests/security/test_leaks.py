"""Leak table: every case in ``leak_cases`` × every public surface → the marker never appears.

Surfaces: the public Wagtail site (crawled from "/" plus each case's guessable URLs), /media/ and
/documents/ files, the search index and API (embedded; Elasticsearch in the slow run), and the
built static site with its Markdown export. A control (the live version of a page that has an
unpublished newer revision) must be visible on each surface, so an empty surface cannot pass.
"""

import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.security.leak_cases import leak_cases  # noqa: F401 - the fixture

LINK = re.compile(r'(?:href|src)="([^"#]+)"')


def leaks_in(text, cases):
    return sorted(case.name for case in cases if case.marker in text)


def control(cases):
    return next(case for case in cases if case.public_marker)


def crawl(client, start="/", limit=2000):
    """Every same-site page reachable from ``start``; returns {url: body}."""
    seen, bodies, queue = {start}, {}, deque([start])
    while queue and len(bodies) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode("utf-8", "replace")
        bodies[url] = body
        for link in LINK.findall(body):
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc or parts.path.startswith(("/admin", "/static")):
                continue
            if parts.path not in seen:
                seen.add(parts.path)
                queue.append(parts.path)
    return bodies


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db
def test_public_wagtail_urls(client, leak_cases):  # noqa: F811
    bodies = crawl(client)
    assert len(bodies) > 50  # the demo catalogue was crawled
    found = {case.name: [url for url, body in bodies.items() if case.marker in body] for case in leak_cases}
    assert {name: urls for name, urls in found.items() if urls} == {}
    for case in leak_cases:
        for url in case.urls:
            response = client.get(url)
            assert case.marker not in body_of(response), (case.name, url)
            if case.name == "private_password":  # Wagtail answers with its password form
                assert 'name="password"' in body_of(response)
            elif not case.public_marker:  # the control's live version is public
                assert response.status_code in (302, 403, 404), (case.name, url, response.status_code)
    live = control(leak_cases)
    response = client.get(live.urls[0])
    assert response.status_code == 200 and live.public_marker in response.content.decode()


@pytest.mark.django_db
def test_media_and_document_urls(client, leak_cases):  # noqa: F811
    for case in leak_cases:
        for url in case.urls:
            if url.startswith(("/media/", "/documents/")):
                response = client.get(url)
                assert response.status_code in (302, 403, 404), (case.name, url)
                assert case.marker not in body_of(response)


def index_text():
    from search.models import IndexEntry

    return "\n".join(f"{e.title} {e.url} {e.display}" for e in IndexEntry.objects.all())


@pytest.mark.django_db
def test_embedded_search_index_and_api(client, leak_cases):  # noqa: F811
    from search import api
    from search.documents import all_entries

    # As kept current by publishing (tasks ran immediately), and as a rebuild would write it.
    assert leaks_in(index_text(), leak_cases) == []
    assert leaks_in("\n".join(repr(entry) for entry in all_entries()), leak_cases) == []
    api.rebuild(api.get_backend("embedded"))
    assert leaks_in(index_text(), leak_cases) == []
    for case in leak_cases:
        for q in (case.marker, case.marker.rsplit("-", 1)[-1]):
            response = client.get("/api/search/", {"q": q})
            assert response.status_code in (200, 400)
            answer = response.json() if response.status_code == 200 else {}
            answer.pop("query", None)  # the API echoes the question asked
            assert case.marker not in str(answer), (case.name, q)
    live = control(leak_cases)
    found = client.get("/api/search/", {"q": live.public_marker}).json()
    assert any(live.public_marker in r["title"] for r in found["results"])


@pytest.mark.slow
@pytest.mark.django_db
def test_built_static_site_and_markdown_export(tmp_path, leak_cases):  # noqa: F811
    from cms.publishing.api import export_markdown, publish

    result = publish(out=tmp_path / "site", full=True)
    export_markdown(tmp_path / "markdown")
    texts = []
    for root in (result.release, tmp_path / "markdown"):
        for path in Path(root).rglob("*"):
            texts.append(str(path.relative_to(root)))
            if path.is_file() and path.suffix in {".html", ".md", ".json", ".js", ".xml", ".txt", ".vtt", ".m3u8"}:
                texts.append(path.read_text("utf-8", "replace"))
    everything = "\n".join(texts)
    assert leaks_in(everything, leak_cases) == []
    video = next(c for c in leak_cases if c.name == "video_of_unpublished_lesson").objects["video"]
    assert video.key not in everything
    assert control(leak_cases).public_marker in everything


@pytest.mark.slow
@pytest.mark.elasticsearch
@pytest.mark.django_db
def test_elasticsearch_index_and_search(leak_cases):  # noqa: F811
    import uuid

    from search import api
    from search.backends import get_backend
    from search.esnode import Node

    node = Node()
    node.start()
    try:
        backend = get_backend("elasticsearch", url=node.url, alias=f"leaks-{uuid.uuid4().hex[:8]}")
        api.rebuild(backend)
        hits = backend.client.search(index=backend.alias, size=10000, query={"match_all": {}})["hits"]["hits"]
        assert len(hits) > 50
        assert leaks_in(str(hits), leak_cases) == []
        for case in leak_cases:
            answer = api.search(case.marker, backend=backend)
            answer.pop("query", None)
            assert case.marker not in str(answer), case.name
        live = control(leak_cases)
        assert live.public_marker in str(hits)
    finally:
        node.stop()
