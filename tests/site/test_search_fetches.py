"""The site search's downloads and labels, in chromium on a small built site (the parents' judged
items with the real page search markup, the real Pagefind index, first-screen files and site.json,
the real search.js):

- a first search reads its words' first-screen term files and the cards of the results it shows,
  and does not open Pagefind; when every word's list holds every page that has it, the count is
  exact and 「更多结果」 shows only the rest of the list (none when one screen holds it); when a
  word's list was cut at K, the count says 约 and 「更多结果」 goes on with Pagefind (issue 17);
- a list where no page holds every word the parent typed is labelled 最接近的结果, as the API's;
- every result can be reached through 「更多结果」 (issue 12).
Byte totals are not asserted here: they depend on the catalogue's size (bench/search_bytes.py).
"""

import os

import pytest

from .conftest import serve
from .search_eval import build_parents_site

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread


@pytest.fixture(scope="module")
def parents_url(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        root = build_parents_site(tmp_path_factory.mktemp("parents") / "site")
    with serve(root) as url:
        yield url


@pytest.fixture
def page(parents_url, browser):
    context = browser.new_context()
    tab = context.new_page()
    tab.fragments, tab.cards, tab.pagefind, tab.problems = [], [], [], []
    tab.on("request", lambda r: ".pf_fragment" in r.url and tab.fragments.append(r.url))
    tab.on("request", lambda r: "/pagefind/fs/c/" in r.url and tab.cards.append(r.url))
    tab.on("request", lambda r: ("pagefind.js" in r.url or ".pf_" in r.url) and tab.pagefind.append(r.url))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    yield tab
    context.close()


def search(page, url, text):
    page.goto(url + "/search/")
    page.fill("#gy-search-q", text)
    page.press("#gy-search-q", "Enter")
    page.wait_for_selector("body[data-search-done]", state="attached")
    return page.locator("#gy-results li a").all_inner_texts()


def more(page):
    page.click(".gy-more")
    page.wait_for_selector("body[data-search-done]", state="attached")
    return page.locator("#gy-results li a").all_inner_texts()


def test_a_first_search_reads_only_the_cards_it_shows_and_more_on_request(page, parents_url):
    shown = search(page, parents_url, "手机")
    status = page.locator("#gy-search-status").inner_text()
    # More pages mention 手机 than one screen holds: 10 shown from the first-screen files (at most
    # one card file each), Pagefind never opened. The word's list holds every page that has it
    # (fewer than K), so the count is exact: no 约.
    assert len(shown) == 10 and all(shown)
    assert 0 < len(set(page.cards)) <= 10, page.cards
    assert page.pagefind == [] and page.fragments == []
    assert status.startswith("找到 ") and status.endswith(" 条结果") and "约" not in status, status
    total = int(status.removeprefix("找到 ").removesuffix(" 条结果"))
    assert total > 10
    assert page.locator(".gy-more").inner_text() == "更多结果"
    # 「更多结果」 shows the rest of the list and goes: every match was in it, so Pagefind is not
    # opened, no page comes twice, and the count said at first was right.
    everything = more(page)
    assert everything[:10] == shown and len(everything) == total
    assert len(set(everything)) == len(everything)
    assert page.locator(".gy-more").count() == 0
    assert page.pagefind == []
    assert page.locator("#gy-search-status").inner_text() == f"找到 {total} 条结果"
    assert page.problems == []


def test_a_query_with_fewer_results_than_a_page_has_an_exact_count_and_no_more_button(page, parents_url):
    shown = search(page, parents_url, "钢琴")
    assert 0 < len(shown) < 10
    assert page.locator("#gy-search-status").inner_text() == f"找到 {len(shown)} 条结果"
    assert page.locator(".gy-more").count() == 0
    assert page.pagefind == []
    assert page.problems == []


@pytest.fixture(scope="module")
def cut_url(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same pages with a first-screen index that keeps only each word's best 5 pages, so the
    list of 手机 (on 12 pages) is cut, as a common word's is at province scale (K = 200)."""
    from cms.publishing import firstscreen

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(firstscreen, "K", 5)
        root = build_parents_site(tmp_path_factory.mktemp("cut") / "site")
    with serve(root) as url:
        yield url


def test_a_cut_list_says_about_and_more_results_go_on_with_pagefind(page, cut_url):
    shown = search(page, cut_url, "手机")
    status = page.locator("#gy-search-status").inner_text()
    assert shown and page.pagefind == []
    assert status.startswith("找到约 ") and status.endswith(" 条结果"), status
    assert page.locator(".gy-more").inner_text() == "更多结果"
    # past the cut lists, 「更多结果」 asks the real Pagefind index for the pages they left out
    everything = shown
    while page.locator(".gy-more").count():
        everything = more(page)
    assert page.pagefind
    assert everything[:len(shown)] == shown and len(everything) > len(shown)
    assert len(set(everything)) == len(everything)
    assert page.problems == []


def test_a_list_where_no_page_has_every_word_is_labelled_closest(page, parents_url):
    shown = search(page, parents_url, "手机和钢琴")  # no item is about both
    status = page.locator("#gy-search-status").inner_text()
    assert shown and status.startswith("没有完全符合的结果。最接近的结果(")
    # A query some page fully answers is not labelled so.
    search(page, parents_url, "手机")
    assert "最接近的结果" not in page.locator("#gy-search-status").inner_text()
    # Off-topic: nothing, said plainly.
    assert search(page, parents_url, "红烧肉怎么做") == []
    assert page.locator("#gy-search-status").inner_text() == (
        "没有找到与「红烧肉怎么做」相关的课程。换个说法试试,或按问题、学段、主题浏览。")
    assert page.problems == []
