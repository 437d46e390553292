"""A studio teacher's video in real chromium against a real gunicorn and a real ``db_worker``
(real ffmpeg): the upload becomes 可以播放 before the job ends, the time left appears only once it
is measured and goes down, the listing refreshes without a page load, the edit page's player plays
(currentTime advances), 重新转码 asks, restarts and finishes; a failing source reaches the uploader
as a Chinese mail in the server's var/mail/ and on the homepage."""

import email
import email.policy
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.admin_ux import conftest as ux
from tests.admin_ux.conftest import CHROMIUM_ARGS, REPO, live_db, login
from tests.transcoding.media import video

BASE = "/admin/snippets/transcoding/videoasset/"
ETA = re.compile(r"约剩 (\d+):(\d\d)")
JOB_DEADLINE = 900  # seconds: a 30 s 720p ladder on a busy 2-core machine


@pytest.fixture(scope="module")
def video_gunicorn(django_db_setup, tmp_path_factory):
    """gunicorn on the test database, with the database task queue (the admin crawl's server runs
    tasks inside the request, which would hide the live status)."""
    ux.SERIALIZED["demo"] = connection._test_serialized_contents
    port = ux.free_port()
    url = f"http://127.0.0.1:{port}"
    var = tmp_path_factory.mktemp("video-server-var")
    (var / "secret_key").write_text("video-page-test-secret-key-" + "x" * 40)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.admin_ux.server_settings",
        "DATABASE_URL": ux.database_url(settings.DATABASES["default"]),
        "GONGYU_VAR_DIR": str(var),
        "GONGYU_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "GONGYU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GONGYU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "GONGYU_SITE_AUTO_PUBLISH": "0",
        "GONGYU_BASE_URL": url,
    }
    env.pop("GONGYU_EMAIL_HOST", None)  # mail goes to var/mail/
    log = open(var / "server.log", "w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cms.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "120"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ux.wait_until_serving(server, url + "/admin/login/")
        yield {"url": url, "var": var, "env": env, "log": log}
    finally:
        ux.stop(server)
        log.close()


@pytest.fixture
def video_server(video_gunicorn, role_users):
    """A real ``manage.py db_worker`` for one test. It starts only once the test's database is in
    place and stops before the test's data is flushed: a worker running across that flush touches
    the empty database (content types are created on first use) and the next test's restore of
    the demo then fails on them."""
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.5"], cwd=REPO,
                              env=video_gunicorn["env"], stdout=video_gunicorn["log"], stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        yield video_gunicorn
    finally:
        ux.stop(worker)


@pytest.fixture(scope="module")
def browser(video_gunicorn):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def wait_until(page, expression, timeout):
    """Poll ``expression`` in the page until it is true (Playwright's wait_for_function evaluates a
    string with eval, which the admin's Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s: {expression}")
        time.sleep(0.5)


def seconds(text):
    match = ETA.fullmatch(text)
    return int(match[1]) * 60 + int(match[2]) if match else None


def upload(page, server, title, path):
    page.goto(server + BASE + "add/")
    page.fill("input[name=title]", title)
    page.set_input_files("input[name=original]", str(path))
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url(lambda u: not u.endswith("/add/"), timeout=300_000)  # checked, stored, queued
    page.goto(server + BASE)


def status_of(page, title):
    """(label, 可以播放 shown, phase, eta text) of the row of ``title`` in the listing, as shown;
    None while the listing reloads (it does once the video is done)."""
    from playwright.sync_api import Error

    try:
        return page.evaluate("""title => {
        const row = [...document.querySelectorAll("tr")].find(tr => tr.textContent.includes(title));
        const block = row && row.querySelector("[data-video-status]");
        if (!block) return null;
        return [block.querySelector(".gongyu-video-label").textContent,
                !block.querySelector(".gongyu-video-playable").hidden,
                block.querySelector(".gongyu-video-phase").textContent,
                block.querySelector(".gongyu-video-eta").textContent];
        }""", title)
    except Error:
        page.wait_for_load_state()
        return None


@live_db
def test_a_teacher_watches_the_upload_become_playable_plays_it_and_restarts_it(
        video_server, browser, role_users, tmp_path):
    from transcoding.models import VideoAsset

    server = video_server["url"]
    source = video(tmp_path / "lesson.mp4", seconds=30, size="1280x720", extra=("-crf", "30"))
    context, page = login(browser, server, "ux_teacher")
    title = "亲子沟通:先听再说"
    upload(page, server, title, source)
    page.evaluate("window.__sameDocument = true")  # gone if the listing reloads

    samples = []  # what the listing showed, every second, until the job ended
    deadline = time.monotonic() + JOB_DEADLINE
    while time.monotonic() < deadline:
        shown = status_of(page, title)
        if shown is None:
            continue
        label, playable, phase, eta = shown
        if label == "已完成":
            break
        if page.evaluate("window.__sameDocument === true"):
            samples.append((label, playable, phase, eta))
        assert eta == "" or ETA.fullmatch(eta), eta  # a measured figure or nothing, never a guess
        time.sleep(1)
    else:
        pytest.fail(f"not done within {JOB_DEADLINE} s: {samples[-5:]}")
    print("listing samples:", samples)
    assert samples, "the status changed while the listing stayed on the same page"
    # 可以播放 while the ladder was still being made (its playlists grow from the first segments)
    assert any(label == "转码中" and playable and phase == "全部清晰度和音频一起转" for label, playable, phase, _ in samples), samples
    etas = [seconds(eta) for _, _, _, eta in samples if eta]
    assert etas, "a time left was shown"
    # Whether it goes down between two samples is wall-clock behaviour: it is whole seconds, so
    # samples all taken in a job's last second read [1, 1, 1] (a fresh-clone CI on a busy machine,
    # session 12), and a machine getting busier mid-job raises it. Not asserted.
    asset = VideoAsset.objects.get(title=title)
    assert asset.status == "ready" and asset.uploaded_by.username == "ux_teacher"

    # the edit page: the player plays the current renditions through the checked file view
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}{BASE}edit/{asset.pk}/")
    assert page.locator("[data-video-ladder] tbody tr").count() == 4 + 1  # 240p…720p + 仅声音
    assert page.locator("[data-video-ladder]").inner_text().count("MB") >= 5
    wait_until(page, "document.querySelector('video[data-gongyu-player]').readyState >= 2", 120)
    page.evaluate("v => { v.muted = true; return v.play(); }", page.locator("video[data-gongyu-player]").element_handle())
    wait_until(page, "document.querySelector('video[data-gongyu-player]').currentTime > 1", 120)
    outside = [r for r in requests if not r.startswith((server + "/", "blob:", "data:"))]
    assert not outside, outside  # nothing from a CDN or any other host
    segments = [r for r in requests if f"{BASE}files/{asset.pk}/" in r and not r.endswith((".m3u8", ".jpg"))]
    assert segments, requests  # media segments came through the checked file view
    assert page.locator("img[data-video-poster]").evaluate("img => img.naturalWidth") > 0
    assert "/media/videos/originals/" not in page.content()

    # 重新转码: a confirmation page, then the job runs again and the edit page follows it live
    page.get_by_role("link", name="重新转码").click()
    page.wait_for_url(re.compile(rf"{BASE}restart/{asset.pk}/$"))
    assert f"确定要用保存的原始视频重新转码「{title}」吗?" in page.content()
    page.get_by_role("button", name="确定,重新转码").click()
    page.wait_for_url(re.compile(rf"{BASE}edit/{asset.pk}/$"))
    assert "已重新排队转码" in page.content()
    wait_until(page, "document.querySelector('.gongyu-video-preview .gongyu-video-label').textContent === '已完成'",
               JOB_DEADLINE)
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.attempts == 1 and asset.transcoded_at is not None
    context.close()


@live_db
def test_a_failing_source_mails_the_uploader_in_chinese(video_server, browser, role_users, tmp_path):
    from transcoding.api import store_video
    from transcoding.models import VideoAsset

    server, mail_dir = video_server["url"], video_server["var"] / "mail"
    before = set(mail_dir.glob("*")) if mail_dir.exists() else set()
    asset = store_video(key="broken-lesson", title="坏掉的一课", collection=role_users["studio"].collection,
                        path=video(tmp_path / "b.mp4", seconds=1, size="320x180"), transcode=False)
    VideoAsset.objects.filter(pk=asset.pk).update(uploaded_by=role_users["ux_teacher"], status="failed",
                                                  error="转码多次没有成功(网络存储暂时不可用)。")
    Path(asset.original.path).write_bytes(b"\x00" * 4096)  # meanwhile the stored original went bad
    context, page = login(browser, server, "ux_teacher")
    page.goto(f"{server}{BASE}restart/{asset.pk}/")
    page.get_by_role("button", name="确定,重新转码").click()
    page.wait_for_url(re.compile(rf"{BASE}edit/{asset.pk}/$"))
    error = "无法读取原始视频,文件可能已损坏。请重新上传。"
    wait_until(page, "document.querySelector('.gongyu-video-preview .gongyu-video-label').textContent === '失败'", 300)
    assert page.locator(".gongyu-video-preview .gongyu-video-error").inner_text() == error  # shown without a reload

    deadline = time.monotonic() + 120  # the mail is written after the job's transaction commits
    while time.monotonic() < deadline:
        new = set(mail_dir.glob("*")) - before if mail_dir.exists() else set()
        messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in new]
        failed = [m for m in messages if "坏掉的一课" in m["Subject"]]
        if failed:
            break
        time.sleep(1)
    assert len(failed) == 1
    message = failed[0]
    assert message["Subject"].strip() == "【共育】视频「坏掉的一课」转码失败"
    assert message["To"] == "ux_teacher@example.edu.cn"
    body = message.get_content()
    assert "转码失败了" in body and error in body and f"{server}{BASE}edit/{asset.pk}/" in body
    # and in the admin: the homepage's 消息
    page.goto(server + "/admin/")
    assert f"视频「坏掉的一课」转码失败:{error}" in page.locator("[data-gongyu-panel=notices]").inner_text()
    context.close()
