"""The parent site weighs everyday words as the server does (issue 12, one search definition): in a
query of several words an everyday word (天天, 不管, 觉得) counts less than the word the parent meant
(王者, 爸爸, 没意思), by ``search.analysis.informativeness`` computed at publish time and shipped
in the word files (``pagefind/words/<n>.json``). The server test's situation
(tests/search/test_everyday.py): each everyday word is in the title of ONE lesson, the telling word
in the text of three, so by this catalogue's rarity alone the everyday word's lesson came first.
A small site of those lessons is built with the real page search markup, Pagefind index,
first-screen files and site.json, and searched with the real search.js in chromium, on both of its
paths: the first-screen files, and Pagefind (a site published without first-screen files)."""

import json
import os

import pytest

from tests.search.test_everyday import FILLER, LESSONS

from .conftest import serve
from .search_eval import build_search_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread


class Url(str):
    """The site's address, saying which search path its site.json leads to (``fs``)."""

    def __new__(cls, url, fs):
        self = super().__new__(cls, url)
        self.fs = fs
        return self


def build_everyday_site(root, first_screen=True):
    taxa = {"stages": [], "themes": [], "problems": []}
    pages = [(f"everyday/{key}/index.html", "micro", title, taxa, "", body)
             for key, (title, body) in [*LESSONS.items(), *((f"f{i}", t) for i, t in enumerate(FILLER))]]
    return build_search_site(root, pages, first_screen)


@pytest.fixture(scope="module", params=["first-screen", "pagefind"])
def site_url(request, django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        root = build_everyday_site(tmp_path_factory.mktemp("everyday") / "site", request.param == "first-screen")
    assert (root / "pagefind" / "fs").exists() == (request.param == "first-screen")
    with serve(root) as url:
        yield Url(url, "/pagefind/fs/" if request.param == "first-screen" else "")


@pytest.fixture(scope="module")
def tab(site_url, browser):
    context = browser.new_context()
    page = context.new_page()
    page.problems = []
    page.first_screen = "/pagefind/fs/" in site_url.fs
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(site_url + "/search/")
    page.wait_for_function("typeof window.gongyuSearch === 'function'")
    yield page
    assert page.problems == []
    context.close()


@pytest.mark.parametrize(("q", "telling"), [("天天打王者", "games"), ("爸爸不管孩子", "father"), ("孩子觉得没意思", "bored")])
def test_the_telling_word_leads_on_the_site(site_url, tab, q, telling):
    """First-screen path: the three lessons holding the telling word come first, before the one
    whose title has the everyday word, as on the server. Pagefind path: a lesson holding the
    telling word comes first (Pagefind's own scores of the three differ much more than the server's
    BM25 does — 周末想玩王者 scores 0.38 of 放学回家就玩王者 — and the page with the everyday word
    keeps a title boost, so the everyday word's lesson may still come among the first three)."""
    out = tab.evaluate("q => window.gongyuSearch(q)", q)
    assert len(out["terms"]) > 1, out   # a query of several words: the weighting applies
    lessons = [u.split("/")[2].rsplit("-", 1)[0] for u in out["urls"]]
    if tab.first_screen:
        assert set(lessons[:3]) == {telling}, out
    else:
        assert lessons[0] == telling and lessons.count(telling) == 3, out


def test_the_weights_are_the_servers_and_go_out_with_the_word_files(site_url, tmp_path):
    """The word files carry ``informativeness`` of the words the browser cuts as one and the
    characters' rarity; the browser's figure for a word no list holds (天天打, cut as one run of
    characters) is the server's rule for a word jieba lacks."""
    import urllib.request

    from search.analysis import informativeness

    def bucket(ch):
        with urllib.request.urlopen(f"{site_url}/pagefind/words/{ord(ch) % 64}.json") as answer:
            return json.loads(answer.read().decode("utf-8"))

    shipped = {w: bucket(w[0]).get("i", {}).get(w, 1) for w in ("天天", "不管", "觉得", "王者", "爸爸", "没意思")}
    assert shipped == {w: round(informativeness(w), 3) for w in shipped}   # a telling word: none, 1
    assert shipped["天天"] < shipped["王者"] and shipped["不管"] < shipped["爸爸"] and shipped["觉得"] < shipped["没意思"]
    with urllib.request.urlopen(f"{site_url}/pagefind/site.json") as answer:
        rule = json.loads(answer.read().decode("utf-8"))["vocabulary"]["everyday_rule"]
    rarity = {}
    for ch in "天打":
        data = bucket(ch)
        steps = 0
        for c, step in zip(data["c"], data["r"], strict=True):
            steps += step
            rarity[c] = steps / 100
    mean = (rarity["天"] * 2 + rarity["打"]) / 3
    expected = min(1, max(rule["floor"], (mean - rule["low"]) / (rule["high"] - rule["low"])))
    assert abs(expected - informativeness("天天打")) < 0.002   # 天天打: not in jieba's dictionary
