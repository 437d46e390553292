"""Search results on the parent site are cards like the listings (issue 15): the picture, title,
学段 and duration, all taken from what the Pagefind index already carries — the only requests a
result adds are its thumbnail's — lazy and sized in the markup so nothing jumps. In Debian's
chromium at phone size on the built site."""

import re

import pytest

from cms.catalogue.models import LessonPage

from .test_phone import ARTIFACTS, browser, new_phone, read, site_path  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def search(page, site_url, text):
    page.goto(site_url + "/search/", wait_until="networkidle")
    page.fill("#gy-search-q", text)
    page.press("#gy-search-q", "Enter")
    page.wait_for_selector("body[data-search-done]", state="attached", timeout=30_000)


def result_for(page, url):
    return page.locator("#gy-results li.gy-result").filter(has=page.locator(f'h3 a[href="{url}"]'))


def test_the_index_carries_each_pages_card(built_site):
    """The page's search metas name existing thumbnails and the card's facts, as attributes
    (so no hash or URL is indexed as words)."""
    out = built_site["out"]
    lesson = LessonPage.objects.live().order_by("path").first()
    course = lesson.get_parent()
    for url in (built_site["lesson_url"], site_path(course)):
        soup = read(out, url)
        meta = soup.select_one("[data-pagefind-meta^='image[']")
        assert meta is not None and meta.get_text() == "", url
        for key in ("data-srcset", "data-webp"):
            for candidate in meta[key].split(","):
                assert (out / candidate.split()[0].lstrip("/")).is_file(), candidate
        assert (out / meta["data-src"].lstrip("/")).is_file()
        facts = soup.select_one("[data-pagefind-meta='facts[data-facts]']")["data-facts"]
        stage = course.specific.stages.first()
        if stage:
            assert stage.name in facts, facts
        if url == site_path(course):
            assert re.search(r"共 \d+ 课", facts), facts
        else:
            assert re.search(r"\d+ (秒|分钟)|\d+ 分 \d+ 秒", facts), facts


def test_search_results_show_picture_title_stage_and_duration_without_extra_requests(browser, built_site):  # noqa: F811
    from .conftest import serve

    lesson = LessonPage.objects.live().order_by("path").first()
    course = lesson.get_parent()
    with serve(built_site["out"]) as site_url:
        phone = new_phone(browser, site_url)
        page = phone.new_page()
        # First with the thumbnails held back: every picture's box is already drawn at 16:9, so
        # the text does not move when the pictures arrive.
        held = []
        page.route("**/t/**", lambda route: held.append(route.request.url) or route.abort())
        search(page, site_url, lesson.title)
        card = result_for(page, site_path(lesson))
        assert card.count() == 1, page.locator("#gy-results").inner_text()
        box = card.locator("picture img").bounding_box()
        assert box["width"] > 50 and abs(box["height"] - box["width"] * 9 / 16) <= 2, box
        title_y = card.locator("h3").bounding_box()["y"]
        page.unroute("**/t/**")

        requests = []
        page.on("request", lambda r: requests.append(r.url[len(site_url):]))
        search(page, site_url, lesson.title)
        card = result_for(page, site_path(lesson))
        img = card.locator("picture img")
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(), timeout=30_000)
        assert img.get_attribute("loading") == "lazy"
        assert (img.get_attribute("width"), img.get_attribute("height")) == ("320", "180")
        assert re.search(r"/t/[0-9a-f]{2}/[0-9a-f]{40}-(320|640)\.(avif|webp)$", img.evaluate("i => i.currentSrc"))
        assert card.locator("h3").bounding_box()["y"] == pytest.approx(title_y, abs=1)
        facts = card.locator(".gy-card__meta").inner_text()
        stage = course.specific.stages.first()
        assert (stage is None or stage.name in facts) and re.search(r"秒|分钟", facts), facts
        assert card.locator(".gy-card__kind").inner_text() == "五步教学法课"
        # The title link covers the whole card: a tap on the picture opens the lesson.
        course_card = result_for(page, site_path(course))
        if course_card.count():
            assert re.search(r"共 \d+ 课", course_card.locator(".gy-card__meta").inner_text())

        # A result costs nothing but its thumbnail: after the search page itself, only Pagefind
        # files and /t/ thumbnails, at most one per result shown, each fetched once and in one
        # format (chromium takes AVIF or WebP, never the JPEG fallback as well).
        shown = page.locator("#gy-results li.gy-result").count()
        after = [r for r in requests if not r.startswith("/search/") and not r.startswith("/assets/")
                 and r not in ("/sw.js", "/manifest.webmanifest") and not r.startswith(("/workbox-", "/icons/"))]
        thumbs = [r for r in after if r.startswith("/t/")]
        assert all(r.startswith(("/pagefind/", "/t/")) for r in after), after
        assert 1 <= len(thumbs) <= shown and len(set(thumbs)) == len(thumbs), thumbs
        assert not [t for t in thumbs if t.endswith(".jpg")], thumbs
        # Pages without a picture of their own show the placeholder, never another card's picture.
        for meta in card.page.locator("#gy-results li.gy-result .gy-pic--none").all():
            assert meta.inner_text() == "共育"

        box = card.locator("picture").bounding_box()   # a tap on the picture (the link lies over it)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(site_url + site_path(lesson))
        assert page.locator("h1").inner_text() == lesson.title

        page.goto(site_url + "/search/?k=" + lesson.title, wait_until="networkidle")
        page.wait_for_selector("#gy-results li")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-search-thumbs.png"))
        assert phone.outside == [] and phone.problems == []
        phone.close()
