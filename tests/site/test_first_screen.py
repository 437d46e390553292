"""The first-screen search files (issue 17, cms/publishing/firstscreen.py) on a real publish of the
demo catalogue: an edit rewrites only the term files of the words a page gained or lost and its
card file, inside the new release (the live one keeps its files); the site's search (chromium)
finds the new title from those files alone, without opening Pagefind."""

import hashlib
import json
import os

import pytest

from cms.catalogue.models import LessonPage
from cms.publishing import firstscreen
from cms.publishing.api import publish

from .conftest import serve
from .search_eval import CHROMIUM_ARGS

pytestmark = pytest.mark.django_db
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread
NEW_TITLE = "用番茄钟计时法陪孩子专心写作业"


def fs_files(out):
    root = out.resolve() / firstscreen.ROOT
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() for p in root.rglob("*.json")}


def page_path(page):
    return page.url_path[len("/home/"):] + "index.html"


@pytest.fixture
def edited(tmp_path):
    out = tmp_path / "site"
    publish(out, full=True)
    before, live_before = fs_files(out), out.resolve()
    lesson = LessonPage.objects.live().order_by("path")[3]
    old_html = (out / page_path(lesson)).read_text()
    lesson.title = NEW_TITLE
    lesson.save_revision().publish()
    publish(out, pages=[lesson.pk])
    return {"out": out, "lesson": lesson, "before": before, "after": fs_files(out), "old_html": old_html,
            "live_before": live_before}


def test_an_edit_rewrites_only_the_term_files_of_changed_words_and_its_card_file(edited):
    out, lesson = edited["out"], edited["lesson"]
    site = json.loads((out / "pagefind/site.json").read_text())
    files = site["vocabulary"]["fs"]["files"]
    url = "/" + page_path(lesson).removesuffix("index.html")
    _, old_terms = firstscreen.entry(edited["old_html"], url)
    card, new_terms = firstscreen.entry((out / page_path(lesson)).read_text(), url)
    assert card["t"] == NEW_TITLE
    changed_terms = {t for t in set(old_terms) | set(new_terms) if old_terms.get(t) != new_terms.get(t)}
    assert "番茄钟" in changed_terms
    expected = {f"t/{firstscreen.fnv1a(t) % files}.json" for t in changed_terms}
    expected.add(f"c/{lesson.pk // firstscreen.CARDS_PER_FILE}.json")
    before, after = edited["before"], edited["after"]
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed == expected   # no other term file, no other card file
    # The new term is in its file, with the lesson first; its card carries the new title.
    term_file = json.loads((out / firstscreen.ROOT / f"t/{firstscreen.fnv1a('番茄钟') % files}.json").read_text())
    row = term_file["番茄钟"]
    scores = dict(zip(row[1::2], row[2::2], strict=True))
    assert scores.get(lesson.pk, 0) >= firstscreen.WEIGHTS["title"]   # found as a word of its title
    cards = json.loads((out / firstscreen.ROOT / f"c/{lesson.pk // firstscreen.CARDS_PER_FILE}.json").read_text())
    assert cards[str(lesson.pk)]["t"] == NEW_TITLE and cards[str(lesson.pk)]["u"] == url
    # The release that was live before the edit still holds its own files, untouched.
    old_root = edited["live_before"] / firstscreen.ROOT
    if old_root.is_dir():
        old_cards = json.loads((old_root / f"c/{lesson.pk // firstscreen.CARDS_PER_FILE}.json").read_text())
        assert old_cards[str(lesson.pk)]["t"] != NEW_TITLE


@pytest.mark.slow
def test_the_site_search_finds_the_new_title_from_the_first_screen_files(edited):
    from playwright.sync_api import sync_playwright

    out, lesson = edited["out"], edited["lesson"]
    url = "/" + page_path(lesson).removesuffix("index.html")
    with serve(out) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base + "/search/")
        page.fill("#gy-search-q", "番茄钟计时法")
        page.press("#gy-search-q", "Enter")
        page.wait_for_selector("body[data-search-done]", state="attached")
        links = page.locator("#gy-results li h3 a")
        shown = dict(zip([links.nth(i).get_attribute("href") for i in range(links.count())], links.all_inner_texts(), strict=True))
        assert shown.get(url) == NEW_TITLE, shown
        # Answered from the term files and the cards it shows: Pagefind is not opened.
        assert any("/pagefind/fs/t/" in r for r in requests) and any("/pagefind/fs/c/" in r for r in requests)
        assert not any("pagefind.js" in r or ".pf_" in r for r in requests), requests
        browser.close()


def test_a_failed_search_swap_leaves_the_live_files_and_the_next_publish_rebuilds_them(tmp_path, monkeypatch):
    """The first-screen cache is written before the swap; when the swap does not happen the live
    release keeps its files, and the next publish sees that the cache is not the live one's and
    writes the first-screen index whole (the same files a full build writes)."""
    from cms.publishing import publisher

    out = tmp_path / "site"
    publish(out, full=True)
    lesson = LessonPage.objects.live().order_by("path")[3]
    live_before = fs_files(out)
    lesson.title = NEW_TITLE
    lesson.save_revision().publish()

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(publisher, "write_site_json", broken)
    with pytest.raises(OSError):
        publish(out, pages=[lesson.pk])
    monkeypatch.undo()
    assert fs_files(out) == live_before   # the live release never saw the new files
    publish(out)   # the retry (the hot shard is still pending)
    cards = json.loads((out / firstscreen.ROOT / f"c/{lesson.pk // firstscreen.CARDS_PER_FILE}.json").read_text())
    assert cards[str(lesson.pk)]["t"] == NEW_TITLE
    again = tmp_path / "again"
    publish(again, full=True)
    assert fs_files(out) == fs_files(again)
