"""The built parent site in a real browser (Debian's chromium through Playwright), served on
localhost: no console errors, nothing fetched from outside, search, the player, the five steps,
hostile titles, phone-width screenshots, and nDCG@5 of the search on the judged parent queries."""

import os
from pathlib import Path

import pytest

from .conftest import HOSTILE_TITLE
from .search_eval import CHROMIUM_ARGS, evaluate, report

# django_db: the module fixture builds from the test database, which is only set up for db tests.
pytestmark = [pytest.mark.slow, pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "site"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser(built_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.problems = []
    tab.outside = []
    tab.on("console", lambda m: m.type == "error" and tab.problems.append(m.text))
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    local = (site_url, "data:", "blob:" + site_url)  # blob: URLs are hls.js media sources in the page
    tab.on("request", lambda r: r.url.startswith(local) or tab.outside.append(r.url))
    yield tab
    context.close()


@pytest.mark.parametrize("which", ["home", "lesson"])
def test_home_and_lesson_render_cleanly_at_phone_width(page, site_url, built_site, which):
    url = "/" if which == "home" else built_site["lesson_url"]
    page.goto(site_url + url, wait_until="networkidle")
    assert page.locator("h1").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # no sideways scroll
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{which}-phone.png"
    page.screenshot(path=str(shot))
    print(f"\nscreenshot: {shot}")
    assert page.problems == [] and page.outside == []


def test_five_steps_in_order(page, site_url, built_site):
    page.goto(site_url + built_site["lesson_url"])
    steps = page.locator(".gy-step h2").all_inner_texts()
    assert [s.split()[-1] for s in steps] == ["视频导入", "现场研讨", "问题总结", "作业巩固", "微课延伸"]


def test_hostile_title_is_text_and_runs_nothing(page, site_url, built_site):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site_url + built_site["hostile_url"], wait_until="networkidle")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.title().startswith(HOSTILE_TITLE)
    assert dialogs == [] and page.problems == []


def search(page, site_url, text):
    page.goto(site_url + "/search/")
    page.fill("#gy-search-q", text)
    page.press("#gy-search-q", "Enter")
    page.wait_for_selector("body[data-search-done]", state="attached")
    return [(a.inner_text(), a.get_attribute("href")) for a in page.locator("#gy-results a").all()]


def test_search_finds_phone_pages_and_a_word_inside_a_longer_one(page, site_url):
    results = search(page, site_url, "手机")
    assert results and any("手机" in title for title, _ in results[:3])
    # 游戏 only occurs inside longer words on some pages (手机游戏, 网络游戏): still found.
    results = search(page, site_url, "游戏")
    assert any("游戏" in title for title, _ in results[:5])
    # A parent's whole sentence finds the phone pages, not nothing.
    results = search(page, site_url, "孩子总是玩手机怎么办")
    assert any("手机" in title for title, _ in results[:3])
    # Filler-only and off-topic questions give a clear "nothing found" instead of noise.
    assert search(page, site_url, "红烧肉怎么做") == []
    assert "没有找到" in page.locator("#gy-search-status").inner_text()
    assert page.problems == [] and page.outside == []


def test_search_quality_on_the_judged_parent_queries(page, site_url):
    rows = evaluate(page, site_url)
    mean, text = report(rows)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "search-ndcg.txt").write_text(text + "\n", encoding="utf-8")
    print("\n" + text)
    assert mean >= 0.8
    for row in rows:  # a long natural question never returns nothing when a relevant page exists
        if row["type"] == "natural" and row["relevant"]:
            assert row["urls"], row["q"]


def test_video_plays_switches_to_audio_and_resumes(page, site_url, built_site):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site_url + built_site["video_url"], wait_until="networkidle")
    player = page.locator(".gy-player")
    video = page.locator(".gy-player video")
    assert video.get_attribute("preload") == "none" and video.get_attribute("poster")
    assert not [u for u in requests if u.endswith(".m3u8") or u.endswith(".ts")]  # poster only, until play
    assert page.locator(".gy-player track[kind=captions]").count() == 1
    page.evaluate("localStorage.setItem('gongyu:position:site-test-long', '3')")  # stopped at 3 s last time
    page.click(".gy-player__start")
    page.wait_for_function("document.querySelector('.gy-player video').currentTime > 3.2", timeout=20000)
    assert player.get_attribute("data-engine") in ("native", "hls.js")
    page.click(".gy-player__audio")
    assert page.locator(".gy-player__audio").get_attribute("aria-pressed") == "true"
    page.wait_for_function(
        "document.querySelector('.gy-player').dataset.mode === 'audio' && "
        "!document.querySelector('.gy-player video').paused && document.querySelector('.gy-player video').currentTime > 3",
        timeout=20000)
    assert any("/audio/" in u and u.endswith(".m3u8") for u in requests)
    page.wait_for_function("document.querySelector('.gy-player video').currentTime > 4.5", timeout=20000)
    page.evaluate("document.querySelector('.gy-player video').pause()")
    assert float(page.evaluate("localStorage.getItem('gongyu:position:site-test-long')")) >= 4
    assert page.problems == [] and page.outside == []


def test_player_says_so_when_video_cannot_play(page, site_url, built_site):
    page.add_init_script("HTMLMediaElement.prototype.canPlayType = () => '';")
    # On the context, not the page: once the site's service worker controls the page, the script
    # is fetched by the worker, which only context-level routing sees (Chromium).
    page.context.route("**/hls.*.min.js", lambda route: route.abort())
    page.goto(site_url + built_site["video_url"])
    page.click(".gy-player__start")
    page.wait_for_selector(".gy-player__fallback", state="visible")
    assert "无法播放" in page.locator(".gy-player__fallback").inner_text()
