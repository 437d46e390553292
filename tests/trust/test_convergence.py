"""Convergence is guaranteed, not hoped for: a failed publish is shown in Chinese and retried
until the site catches up; scheduled go-live and expiry happen in the worker by themselves."""

import contextlib
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cms.catalogue.models import LessonPage, MicroLessonPage
from cms.core import periodic
from cms.publishing import release
from cms.publishing.api import publish, publish_status
from search.backends import get_backend

REPO = Path(__file__).resolve().parents[2]


def page_file(out, page):
    return out / page.url_path[len("/home/"):] / "index.html"


@contextlib.contextmanager
def read_only(folder):
    """The folder cannot be written to, even by root (an immutable flag; chmod for other users)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


@pytest.mark.django_db
def test_a_failed_publish_shows_in_chinese_is_retried_and_the_site_converges(
        settings, tmp_path, django_capture_on_commit_callbacks, editor_client):
    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = out = tmp_path / "site"
    settings.GONGYU_PUBLISH_RETRY_SECONDS = 0
    publish(out)
    lesson = LessonPage.objects.live().order_by("path")[4]
    with read_only(release.releases_dir(out)):
        with django_capture_on_commit_callbacks(execute=True):
            lesson.title = "发布失败期间改的标题"
            lesson.save_revision().publish()
        state = publish_status()
        assert state["behind"] and state["failing_since"] is not None
        assert "家长网站:发布目录不能写入" in state["reason"] or "家长网站:无法复制当前网站版本" in state["reason"]
        assert "家长网站落后:自" in state["summary"] and "发布失败 1 次" in state["summary"]
        assert "发布失败期间改的标题" not in page_file(out, lesson).read_text()  # the live site is untouched

        # The admin says so next to its own success message.
        micro = MicroLessonPage.objects.live().order_by("path").first()
        response = editor_client.post(f"/admin/pages/{micro.pk}/unpublish/", follow=True)
        assert "注意:家长网站还没有更新到最新。家长网站落后" in response.content.decode()

        # The worker's periodic job retries (back-off passed) — still failing, counted.
        with django_capture_on_commit_callbacks(execute=True):
            periodic.run_due(force=True)
        assert publish_status()["channels"][0]["failures"] >= 2

    # The fault is cleared; the next retry converges with no other action.
    with django_capture_on_commit_callbacks(execute=True):
        periodic.run_due(force=True)
    state = publish_status()
    assert state["failing_since"] is None and state["reason"] == "" and not state["behind"]
    assert "发布失败期间改的标题" in page_file(out, lesson).read_text()
    assert not page_file(out, micro).exists()
    from io import StringIO

    from django.core.management import call_command

    report = StringIO()
    call_command("publish_site", "--status", stdout=report)
    assert "家长网站已是最新:最近一次成功:" in report.getvalue()


def worker_database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    from urllib.parse import quote

    return f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_for(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {seconds} s")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_go_live_and_expiry_happen_in_the_worker_by_themselves(tmp_path):
    out = tmp_path / "site"
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path"))
    expiring, scheduled = lessons[1], lessons[2]
    backend = get_backend()
    assert page_file(out, expiring).exists() and f"page-{expiring.pk}" in backend.ids_under("")

    scheduled.unpublish()  # then schedule it to go live again
    publish(out)
    assert not page_file(out, scheduled).exists()
    soon = timezone.now() + timedelta(seconds=4)
    expiring.expire_at = soon
    expiring.save_revision().publish()
    scheduled.go_live_at = soon
    scheduled.save_revision().publish()      # a future go-live time: scheduled, not live
    scheduled.refresh_from_db()
    assert not scheduled.live

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(settings.VAR_DIR),
           "DATABASE_URL": worker_database_url(), "GONGYU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
           "GONGYU_SITE_DIR": str(out), "GONGYU_SITE_AUTO_PUBLISH": "1", "GONGYU_TICK_SECONDS": "3",
           "GONGYU_STATIC_MANIFEST": "0"}
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.5"], cwd=REPO, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    try:
        wait_for(lambda: not page_file(out, expiring).exists() and page_file(out, scheduled).exists(),
                 120, "the site follows the expiry and the go-live")
        site_seconds = time.monotonic() - started
        wait_for(lambda: f"page-{expiring.pk}" not in backend.ids_under("")
                 and f"page-{scheduled.pk}" in backend.ids_under(""), 60, "search follows")
        print(f"site followed {site_seconds:.1f} s after the worker started; search "
              f"{time.monotonic() - started:.1f} s")
    finally:
        os.killpg(worker.pid, 9)
        worker.wait()
    expiring.refresh_from_db()
    scheduled.refresh_from_db()
    assert not expiring.live and scheduled.live


@pytest.mark.django_db
def test_a_publish_cut_off_by_a_killed_worker_is_run_again(settings, tmp_path, django_capture_on_commit_callbacks):
    from cms.publishing import scheduled
    from cms.publishing.models import PublishQueue
    from cms.publishing.status import row

    settings.SITE_OUTPUT_DIR = out = tmp_path / "site"
    site = row("site")
    PublishQueue.objects.filter(pk=site.pk).update(started_at=timezone.now() - timedelta(hours=1), finished_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        scheduled.recover_lost_publish()
    assert (out / "index.html").exists()
    assert publish_status()["last_success_at"] is not None


@pytest.mark.django_db
def test_publishing_from_the_command_is_what_the_status_reports(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.SITE_OUTPUT_DIR = out = tmp_path / "site"
    assert publish_status()["last_success_at"] is None
    report = StringIO()
    call_command("publish_site", "--status", stdout=report)
    assert "家长网站还没有发布过。" in report.getvalue()

    call_command("publish_site", verbosity=0)  # what ./gongyu setup runs
    assert publish_status()["last_success_at"] is not None and not publish_status()["behind"]

    with read_only(release.releases_dir(out)):
        with pytest.raises((CommandError, OSError)):
            call_command("publish_site", "--full", verbosity=0)
        state = publish_status()
        assert state["failing_since"] is not None and "家长网站落后:自" in state["summary"]
