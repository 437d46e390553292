"""End to end in Debian's chromium: the built parent site served on localhost, the ingest served
by gunicorn on the test database. A parent opens 本周家长课 through the school's class link, opens
the lesson, plays it to the end, checks in and rates it; with the endpoint stopped a second
parent does the same, the endpoint starts again, a reload sends what waited — every event is
stored exactly once and ``participation_report`` shows both families."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.security.test_access_live import database_url, free_port
from tests.site.conftest import ready_intro_video, serve
from tests.site.search_eval import CHROMIUM_ARGS

pytestmark = [pytest.mark.slow]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread
PHONE = {"width": 390, "height": 844}
QUEUE = "JSON.parse(localStorage.getItem('gongyu:engagement:queue') || '[]')"


def start_gunicorn(port):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "DATABASE_URL": database_url(),
           "GONGYU_VAR_DIR": str(settings.VAR_DIR), "GONGYU_STATIC_MANIFEST": "0"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "cms.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--log-level", "warning"], env=env, cwd=settings.BASE_DIR)
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.options(f"http://127.0.0.1:{port}/api/engagement/events/", timeout=30)
            return process
        except requests.RequestException:
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.5)


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def watch_check_in_and_rate(tab, site_url, school, klass, lesson_title):
    tab.goto(f"{site_url}/weekly/?s={school.code}&c={klass}", wait_until="load")
    tab.get_by_role("link", name=lesson_title).first.click()
    tab.wait_for_selector(".gy-player__start")
    tab.click(".gy-player__start")
    tab.wait_for_function("document.querySelector('.gy-player video').ended", timeout=60000)
    tab.fill("[data-gy-checkin] textarea", "和孩子一起做完了")
    tab.click("text=我已完成 作业打卡")
    assert tab.locator(".gy-checkin__done").inner_text() == "已打卡,谢谢您!"
    tab.check("[data-gy-rating] input[value=good]")
    tab.fill("[data-gy-rating] textarea", "<script>alert(1)</script>很实用")
    tab.click("[data-gy-rating] button[type=submit]")
    assert tab.locator(".gy-rating__done").inner_text() == "谢谢您的反馈!"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_arrive_exactly_once_through_an_endpoint_outage(tmp_path):
    from playwright.sync_api import sync_playwright

    from cms.catalogue.models import LessonPage
    from cms.publishing.api import publish
    from cms.taxonomy.models import Stage
    from cms.topics.models import School
    from engagement.models import Comment, RawEvent, WeeklyLecture
    from engagement.periods import monday, week_label
    from engagement.rollup import run_rollup

    school = School.objects.order_by("code").first()
    school.families, school.class_count = 30, 3
    school.save()
    lesson = LessonPage.objects.live().order_by("path").first()
    ready_intro_video(lesson)
    WeeklyLecture.objects.create(week=monday(timezone.localdate()), stage=Stage.objects.first(), page=lesson,
                                 note="请在周末和孩子一起看。")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/api/engagement/events/"
    out = tmp_path / "site"
    with override_settings(GONGYU_ENGAGEMENT_URL=endpoint):
        publish(out, full=True)

    # What the build carries: home panel, 本周家长课, the school's class links and QR sheet, privacy.
    home = (out / "index.html").read_text()
    assert "本周家长课" in home and lesson.title in home
    weekly = (out / "weekly/index.html").read_text()
    assert "请在周末和孩子一起看。" in weekly and f'data-endpoint="{endpoint}"' in weekly
    school_page = (out / f"weekly/schools/{school.code.lower()}/index.html").read_text()
    assert f"/weekly/?s={school.code}&amp;c=3" in school_page and "打印二维码" in school_page
    assert (out / f"weekly/schools/{school.code.lower()}/qr-3.svg").read_text().startswith("<svg")
    assert "不保存您的 IP 地址" in (out / "privacy/index.html").read_text()

    server = start_gunicorn(port)
    try:
        with serve(out) as site_url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            first = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            errors = []
            first.on("pageerror", lambda e: errors.append(str(e)))
            watch_check_in_and_rate(first, site_url, school, 2, lesson.title)
            first.wait_for_function(f"{QUEUE}.length === 0", timeout=60000)
            assert sorted(RawEvent.objects.values_list("kind", flat=True)) == [1, 2, 3, 4, 5, 6]
            device_one = first.evaluate("localStorage.getItem('gongyu:engagement:device')")

            stop(server)   # the endpoint is down: the site works the same, events wait
            second = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            second.on("pageerror", lambda e: errors.append(str(e)))
            watch_check_in_and_rate(second, site_url, school, 3, lesson.title)
            waiting = second.evaluate(f"{QUEUE}")
            assert sorted(e["kind"] for e in waiting) == sorted(
                ["view", "play", "watch50", "watch90", "checkin", "rating"]), waiting
            waiting = [e["id"] for e in waiting]
            device_two = second.evaluate("localStorage.getItem('gongyu:engagement:device')")
            server = start_gunicorn(port)
            second.reload(wait_until="load")
            second.wait_for_function(f"{QUEUE}.length === 0", timeout=60000)
            browser.close()
        assert errors == []
    finally:
        stop(server)

    kinds_of = {}
    for device, kind in RawEvent.objects.values_list("device", "kind"):
        kinds_of.setdefault(device, []).append(kind)
    assert sorted(kinds_of[device_one]) == [1, 2, 3, 4, 5, 6]         # view play 50 % 90 % check-in rating
    assert sorted(kinds_of[device_two]) == [1, 1, 2, 3, 4, 5, 6]      # and the view of the reload
    stored = set(RawEvent.objects.filter(device=device_two).values_list("key", flat=True))
    assert {f"{device_two}:{i}" for i in waiting} <= stored
    assert set(RawEvent.objects.values_list("klass", flat=True)) == {2, 3}
    comment = Comment.objects.filter(kind=6).first()
    assert comment.text == "<script>alert(1)</script>很实用" and comment.status == "pending"

    run_rollup(now=timezone.now() + datetime.timedelta(seconds=30))
    report = tmp_path / "report.csv"
    call_command("participation_report", "--week", week_label(monday(timezone.localdate())), "--school", school.code,
                 "--format", "csv", "--out", str(report))
    text = report.read_text(encoding="utf-8-sig")
    assert f"{school.code},{school.name},全校,30,2,6.7%,2,2,2,2,2,2,0,0,100.0%" in text
