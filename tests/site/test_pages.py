"""The built parent site: every page type, escaping of hostile text, and nothing private leaks."""

import datetime
import json

import pytest
import yaml
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioPage
from cms.publishing.api import export_markdown, publish

from .conftest import HOSTILE_TITLE

pytestmark = pytest.mark.django_db


def read(out, url):
    path = out / url.strip("/") / "index.html" if url.strip("/") else out / "index.html"
    return path.read_text(encoding="utf-8")


def site_path(page):
    return page.url_path[len("/home"):]


def test_every_page_type_is_published_with_title_breadcrumbs_and_og(built_site):
    out = built_site["out"]
    lesson = LessonPage.objects.live().order_by("path").first()
    course = lesson.get_parent().specific
    micro = MicroLessonPage.objects.live().first()
    studio = StudioPage.objects.live().first()
    for url, kind_text in [("/", "按问题找课"), ("/studios/", "名师工作室"), (site_path(studio), "家长课程"),
                           (site_path(course), "课程目录"), (site_path(lesson), "视频导入"), (site_path(micro), "微课"),
                           ("/topics/", "课题"), ("/shelves/problems/", "按问题找课"), ("/shelves/stage/junior/", "初中"),
                           ("/search/", "搜索课程")]:
        soup = BeautifulSoup(read(out, url), "html.parser")
        assert kind_text in soup.get_text(), url
        assert soup.find("meta", property="og:title")["content"]
        assert soup.find("meta", property="og:image")["content"].startswith("http")
        assert soup.find("html")["lang"] == "zh"
    soup = BeautifulSoup(read(out, site_path(lesson)), "html.parser")
    crumbs = [a.get_text() for a in soup.select(".gy-crumbs a")]
    assert crumbs == ["家长课程超市", "名师工作室", lesson.get_parent().get_parent().title, course.title]
    assert soup.find("meta", property="og:title")["content"] == lesson.title
    # Printable QR codes for courses and lessons, pointing at the page's public address.
    for page in (course, lesson):
        svg = (out / site_path(page).strip("/") / "qr.svg").read_text()
        assert svg.startswith("<svg") and "<path" in svg
    assert (out / "404.html").exists()


def test_lesson_steps_are_in_order_and_extension_links_live_micro_lessons(built_site):
    lesson = next(page for page in LessonPage.objects.live().order_by("path") if page.step("extension")["micro_lessons"])
    soup = BeautifulSoup(read(built_site["out"], site_path(lesson)), "html.parser")
    steps = [h.get_text(" ", strip=True) for h in soup.select(".gy-step h2")]
    assert steps == ["第 1 步 视频导入", "第 2 步 现场研讨", "第 3 步 问题总结", "第 4 步 作业巩固", "第 5 步 微课延伸"]
    links = [a["href"] for a in soup.select(".gy-step--extension a")]
    expected = [site_path(m) for m in lesson.step("extension")["micro_lessons"] if m and m.live]
    assert links == expected


def test_hostile_text_is_shown_as_text(built_site):
    html = read(built_site["out"], built_site["hostile_url"])
    assert "<script>alert(1)" not in html and "onerror=alert(2)>" not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1").get_text() == HOSTILE_TITLE
    assert soup.title.get_text().startswith(HOSTILE_TITLE)
    assert soup.find("meta", property="og:title")["content"] == HOSTILE_TITLE
    assert not [s for s in soup.find_all("script") if "alert" in (s.string or "")]
    # The course page lists it by its literal title, too.
    course_url = built_site["hostile_url"].rstrip("/").rsplit("/", 1)[0] + "/"
    course = BeautifulSoup(read(built_site["out"], course_url), "html.parser")
    assert HOSTILE_TITLE in [a.get_text() for a in course.select(".gy-lessons .gy-card__title")]
    assert "---" in course.get_text()


def test_markdown_export_quotes_front_matter(tmp_path):
    from .conftest import make_hostile

    lesson = make_hostile(LessonPage.objects.live().order_by("path").last())
    count = export_markdown(tmp_path / "docs")
    assert count > 50
    text = (tmp_path / "docs" / site_path(lesson).strip("/") / "index.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == HOSTILE_TITLE
    assert "<script>alert(1)" not in text.split("---\n", 2)[2]


def test_drafts_private_expired_and_orphaned_pages_never_reach_the_site(tmp_path):
    lessons = list(LessonPage.objects.live().order_by("path"))
    # A live lesson with a newer unpublished revision: the draft text must not appear.
    live_with_draft = lessons[0]
    live_with_draft.title = "草稿秘密标题-DRAFT-7731"
    live_with_draft.save_revision()
    # A privacy-restricted course (password): it and its lessons stay out.
    private = CoursePage.objects.live().order_by("path")[1]
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="pw")
    # An expired micro-lesson (still marked live until the scheduler runs).
    expired = MicroLessonPage.objects.live().first()
    MicroLessonPage.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - datetime.timedelta(hours=1))
    # A lesson whose course was unpublished (the lesson itself is still marked live).
    orphan_course = CoursePage.objects.live().order_by("path")[2]
    orphan_lessons = list(LessonPage.objects.child_of(orphan_course).live())
    CoursePage.objects.filter(pk=orphan_course.pk).update(live=False)
    draft = LessonPage.objects.filter(live=False).first()

    out = tmp_path / "site"
    publish(out)
    everything = "\n".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".md"))
    assert "DRAFT-7731" not in everything
    for page in [private, *private.get_children(), expired, orphan_course, *orphan_lessons] + ([draft] if draft else []):
        assert not (out / site_path(page).strip("/") / "index.html").exists(), page.title
        assert f'href="{site_path(page)}"' not in everything, page.title
    assert (out / site_path(live_with_draft).strip("/") / "index.html").exists()
    site = json.loads((out / "pagefind" / "site.json").read_text())
    assert site["shards"] == ["/pagefind/s0/"]


def test_a_video_without_sound_says_so_and_offers_no_audio_switch(tmp_path):
    from tests.transcoding.media import video
    from transcoding.api import store_video, transcode_now

    asset = store_video(key="site-mute", title="无声视频", transcode=False,
                        path=video(tmp_path / "mute.mp4", seconds=2, size="320x180", audio=False))
    transcode_now(asset)
    micro = MicroLessonPage.objects.live().order_by("path").first()
    micro.video = asset
    micro.save_revision().publish()
    out = tmp_path / "site"
    publish(out)
    player = BeautifulSoup(read(out, site_path(micro)), "html.parser").select_one(".gy-player")
    assert player.select_one(".gy-player__silent").get_text() == "这段视频没有声音"
    assert player.select_one(".gy-player__audio") is None and not player.has_attr("data-audio")
