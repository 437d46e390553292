"""A real admin server (gunicorn) on the test database, with one user per role logged in."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Gongyu-2026!"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(db):
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def stop(process):
    """SIGTERM to the server's session, SIGKILL after 60 s (it was started with start_new_session)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until_serving(process, url, deadline_seconds=180):
    deadline = time.monotonic() + deadline_seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer at {url} within {deadline_seconds} s") from None
            time.sleep(1)


# Tests that use the server are transactional (their rows are committed, so the server process
# sees them; SQLite would otherwise stay locked by the test's open transaction) and restore the
# demo catalogue afterwards.
live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def role_users(transactional_db):
    """One user per role, with an e-mail address (so a gravatar would be asked for)."""
    from django.contrib.auth import get_user_model

    from cms.studios.api import EDITORS, SchoolRole, StudioRole

    User = get_user_model()
    # Playwright's greenlets can leave Django with a fresh connection object that lacks the
    # serialized demo catalogue, so the rollback had nothing to restore: restore it here (as
    # Django does: flush without post-migrate rows, then load), and give the connection the
    # catalogue so the flush after this test keeps it restorable.
    connection._test_serialized_contents = SERIALIZED["demo"]
    if not StudioRole.objects.exists():
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(SERIALIZED["demo"])
    studio = StudioRole.objects.order_by("studio__path")[0]
    school = SchoolRole.objects.order_by("school__code")[0]
    users = {}
    for name, group in [("ux_editor", Group.objects.get(name=EDITORS)), ("ux_teacher", studio.group),
                        ("ux_school", school.group)]:
        user = User.objects.create_user(name, f"{name}@example.edu.cn", PASSWORD, first_name="测试")
        user.groups.add(group)
        users[name] = user
    users["studio"] = studio
    users["school"] = school
    return users


SERIALIZED = {}


@pytest.fixture(scope="session")
def admin_server(django_db_setup, tmp_path_factory):
    SERIALIZED["demo"] = connection._test_serialized_contents
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    var = tmp_path_factory.mktemp("server-var")
    (var / "secret_key").write_text("admin-ux-test-secret-key-" + "x" * 40)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.admin_ux.server_settings",
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "GONGYU_VAR_DIR": str(var),
        "GONGYU_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "GONGYU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "GONGYU_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "GONGYU_SITE_AUTO_PUBLISH": "0",
        "GONGYU_BASE_URL": url,
    }
    log = open(var / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cms.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "120"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_until_serving(process, url + "/admin/login/")
        yield url
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")  # one Playwright at a time: a session-wide one breaks later modules' own
def browser(admin_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def login(browser, admin_server, username, viewport=None):
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(admin_server + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u, timeout=60_000)
    return context, page
