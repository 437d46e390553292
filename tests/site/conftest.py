"""Fixtures for the parent site: a real build of the test catalogue into a temp folder and a real
HTTP server on localhost serving it (it follows the live-release symlink on every request)."""

import contextlib
import functools
import http.server
import threading

import pytest
from django.db import transaction

HOSTILE_TITLE = '<script>alert(1)</script> {{ config }} {% raw %} 标题'
HOSTILE_SUMMARY = "第一行\n---\n<img src=x onerror=alert(2)> {% endraw %} [链接](javascript:alert(3))"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        # Every answer must be revalidated. Without a Cache-Control header the browser caches by
        # heuristic (a tenth of the file's age), so whether a test sees a republished page
        # depended on how long ago the site was built — a timing-dependent test.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


@contextlib.contextmanager
def serve(directory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def make_hostile(lesson):
    """Give a live lesson (and its course's summary) hostile text, published."""
    lesson.title = HOSTILE_TITLE
    lesson.summary = HOSTILE_SUMMARY.replace("\n", " ")
    lesson.save_revision().publish()
    course = lesson.get_parent().specific
    course.introduction = HOSTILE_SUMMARY
    course.save_revision().publish()
    return lesson


CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:05.000\n家长朋友们好,欢迎收看本节微课。\n"


def long_video_micro(tmp_path):
    """A micro-lesson with a 6-second video and WebVTT captions (the demo's videos last 1 s)."""
    from django.core.files.base import ContentFile

    from cms.catalogue.models import MicroLessonPage
    from curricula.demo_media import make_video
    from transcoding.api import store_video, transcode_now

    source = tmp_path / "long.mp4"
    make_video("续播测试", source, seconds=6, size="320x180")
    asset = store_video(key="site-test-long", title="续播测试", path=source, transcode=False)
    asset.captions.save("long.vtt", ContentFile(CAPTIONS.encode()), save=True)
    transcode_now(asset)
    micro = MicroLessonPage.objects.live().order_by("path").first()
    micro.video = asset
    micro.save_revision().publish()
    return micro


def ready_intro_video(lesson):
    """Make sure the lesson's 视频导入 video is transcoded (so the page shows the player)."""
    from transcoding.api import playback, transcode_now

    asset = lesson.step("video_intro")["video"]
    if playback(asset) is None:
        transcode_now(asset)


def give_cover(course):
    """An editor's cover (a 1200×900 photo-like JPEG) on a course, published."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.radial_gradient("L").resize((1200, 900)).convert("RGB").save(buffer, "JPEG", quality=90)
    image = get_image_model().objects.create(title="封面", file=ImageFile(buffer, name="cover.jpg"))
    course.cover_image = image
    course.save_revision().publish()
    return course


@pytest.fixture(scope="module")
def built_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo catalogue plus one hostile lesson and one micro-lesson with a longer captioned
    video, published once; the database changes are rolled back afterwards."""
    from cms.catalogue.models import LessonPage
    from cms.publishing.api import publish

    out = tmp_path_factory.mktemp("site") / "site"
    with django_db_blocker.unblock():
        with transaction.atomic():
            lesson = LessonPage.objects.live().order_by("path").last()
            make_hostile(lesson)
            micro = long_video_micro(tmp_path_factory.mktemp("video"))
            first = LessonPage.objects.live().order_by("path").first()
            ready_intro_video(first)
            from cms.catalogue.models import CoursePage

            covered = give_cover(CoursePage.objects.live().order_by("path").last())
            result = publish(out, full=True)
            info = {"out": out, "result": result, "hostile_url": lesson.url_path[len("/home"):],
                    "video_url": micro.url_path[len("/home"):],
                    "cover_url": covered.url_path[len("/home"):],
                    "lesson_url": LessonPage.objects.live().order_by("path").first().url_path[len("/home"):]}
            transaction.set_rollback(True)
    return info


@pytest.fixture(scope="module")
def site_url(built_site):
    with serve(built_site["out"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module. A module whose site is built by a
    fixture asks for that fixture first (or overrides this one), so the build runs before
    Playwright's loop starts."""
    from playwright.sync_api import sync_playwright

    from .search_eval import CHROMIUM_ARGS

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()
