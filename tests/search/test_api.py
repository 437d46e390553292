"""/api/search/, /api/search/suggest/ and the terminal commands, on the embedded backend."""

import json

import pytest
from django.core.management import call_command

from .conftest import urls

pytestmark = pytest.mark.django_db

TEEN = "/studios/liumin-communication/teen-talk-bridge/"


def get(client, **params):
    return client.get("/api/search/", params)


def test_result_shape_with_highlights_and_taxonomy(client):
    response = get(client, q="青春期")
    assert response.status_code == 200
    data = response.json()
    assert {"total", "took_ms", "results", "facets", "page", "pages"} <= set(data)
    assert data["total"] >= 5
    top = data["results"][0]
    assert {"title", "url", "kind", "snippet", "taxonomy"} <= set(top)
    assert "<mark>青春期</mark>" in top["title_html"] + top["snippet"]
    course = next(r for r in data["results"] if r["url"] == TEEN)
    assert {"code": "junior", "name": "初中"} in course["taxonomy"]["stages"]


def test_synonym_finds_pages_that_never_use_the_word(client):
    # No demo page says 逆反; the teen course carries the problem 青春期叛逆顶嘴 and says 顶嘴.
    data = get(client, q="逆反", kind="course,lesson,micro_lesson").json()
    assert TEEN in urls(data)[:3]
    assert "<mark>" in data["results"][0]["title_html"] + data["results"][0]["snippet"]


def test_short_word_inside_a_compound_is_found(client):
    found = urls(get(client, q="游戏", kind="micro_lesson,lesson").json())
    assert "/studios/zhaojun-habits/game-time-negotiation/" in found[:3]


def test_filters_restrict_results_and_facets_count_them(client):
    everything = get(client, q="手机").json()
    junior = get(client, q="手机", stage="junior").json()
    assert 0 < junior["total"] < everything["total"]
    assert all(any(s["code"] == "junior" for s in r["taxonomy"]["stages"]) for r in junior["results"])
    stage_counts = {f["code"]: f["count"] for f in everything["facets"]["stage"]}
    assert stage_counts["junior"] == junior["total"]
    kinds = {f["code"]: f["count"] for f in everything["facets"]["kind"]}
    micro = get(client, q="手机", kind="micro_lesson").json()
    assert micro["total"] == kinds["micro_lesson"]
    assert {r["kind"] for r in micro["results"]} == {"micro_lesson"}


def test_paging(client):
    first = get(client, q="孩子 沟通").json()
    assert first["total"] > 10 and len(first["results"]) == 10
    second = get(client, q="孩子 沟通", page=2).json()
    assert not set(urls(first)) & set(urls(second))


def test_off_topic_question_returns_nothing_rather_than_noise(client):
    data = get(client, q="红烧肉怎么做").json()
    assert data["total"] == 0 and data["results"] == []


def test_long_question_falls_back_to_best_partial_match(client):
    data = get(client, q="初中的孩子睡前总玩手机还不想上学怎么办").json()
    assert data["total"] > 0


HOSTILE = [
    '"', "*", "(", ")", "AND", "OR NOT", "手机 AND", '"手机', "title:手机", "NEAR(手机 游戏)", "手机*",
    "{!lucene}x", "'; DROP TABLE gongyu_search_indexentry; --", "\\", "^", "~2", "a:b:c", "[1 TO 5]",
    "<script>alert(1)</script>", "%", "\x00", "😀", "   ", "-", "+", "::", "@@", "&&", "||", "%s %s",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_get_a_clean_answer(client, q):
    response = get(client, q=q)
    assert response.status_code in (200, 400), response.content[:200]
    data = response.json()
    if response.status_code == 200:
        assert isinstance(data["results"], list)
        html = "".join(r["title_html"] + r["snippet"] for r in data["results"])
        assert "<script>" not in html
    else:
        assert any("\u4e00" <= c <= "\u9fff" for c in data["error"])


def test_ten_kilobytes_of_text_is_refused_in_chinese(client):
    response = get(client, q="孩子玩手机" * 2000)
    assert response.status_code == 400
    assert "太长" in response.json()["error"]


@pytest.mark.parametrize("params, word", [
    ({"q": "手机", "page": "abc"}, "页码"),
    ({"q": "手机", "page": "0"}, "页码"),
    ({"q": "手机", "kind": "secret"}, "类型"),
    ({"q": "手机", "stage": "<b>"}, "学段"),
])
def test_bad_parameters_are_refused_in_chinese(client, params, word):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert word in response.json()["error"]


def test_empty_query_lists_everything_with_facets(client):
    data = get(client, q="", kind="course").json()
    assert data["total"] == 12
    assert {f["code"] for f in data["facets"]["kind"]} == {"course"}


def test_suggest_titles_and_problems_as_you_type(client):
    response = client.get("/api/search/suggest/", {"q": "手机"})
    assert response.status_code == 200
    items = response.json()["suggestions"]
    assert items and all("手机" in i["title"] for i in items)
    assert items[0]["kind"] == "problem"
    assert "<mark>手机</mark>" in items[0]["title_html"]
    assert client.get("/api/search/suggest/", {"q": ""}).json()["suggestions"] == []
    assert client.get("/api/search/suggest/", {"q": "x" * 300}).status_code == 400


def test_search_command_prints_json_and_text(capsys):
    call_command("search", "叛逆", "--json")
    data = json.loads(capsys.readouterr().out)
    assert TEEN in urls(data)
    call_command("search", "叛逆")
    out = capsys.readouterr().out
    assert "读懂青春期" in out and TEEN in out


def test_search_index_rebuild_command(capsys):
    call_command("search_index", "rebuild", "--no-progress")
    out = capsys.readouterr().out
    assert "已索引" in out
    call_command("search_index", "status")
    status = capsys.readouterr().out
    count = int(status.split("索引中 ")[1].split(" ")[0])
    expected = int(status.split("应有 ")[1].split(" ")[0])
    assert count == expected > 200


def test_an_address_searching_too_often_gets_a_chinese_429_and_others_do_not(client, settings):
    settings.GONGYU_SEARCH_PER_MINUTE = 3
    hammer = {"REMOTE_ADDR": "203.0.113.7"}
    answers = [client.get("/api/search/", {"q": "手机"}, **hammer) for _ in range(2)]
    answers.append(client.get("/api/search/suggest/", {"q": "手"}, **hammer))  # search and suggest count together
    assert [a.status_code for a in answers] == [200, 200, 200]
    refused = client.get("/api/search/", {"q": "手机"}, **hammer)
    assert refused.status_code == 429
    assert json.loads(refused.content) == {"error": "搜索太频繁了,请过一分钟再试。"}
    assert 1 <= int(refused["Retry-After"]) <= 60 and refused["Cache-Control"] == "no-store"
    assert client.get("/api/search/suggest/", {"q": "手"}, **hammer).status_code == 429
    assert client.get("/api/search/", {"q": "手机"}, REMOTE_ADDR="203.0.113.8").status_code == 200
