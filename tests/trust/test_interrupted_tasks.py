"""A worker killed in the middle of a task does not lose the change that task carried: the next
worker that starts on the same host queues it again (if it is safe to run twice) and runs it, so a
page's new title reaches search at the restart, not at the periodic check ten minutes later."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import Page

from cms.catalogue.models import LessonPage
from cms.publishing.verify import index_documents
from search import documents
from search import tasks as search_tasks
from search.backends import get_backend
from tests.trust.test_convergence import worker_database_url
from transcoding import jobs

REPO = Path(__file__).resolve().parents[2]


def dead_pid():
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def claimed(result, worker_id):
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=timezone.now(),
                                                     worker_ids=[worker_id])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_cut_off_by_a_killed_worker_is_run_by_the_next_worker(tmp_path, settings):
    host = socket.gethostname()[:40]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}   # tasks wait for a worker
    page = LessonPage.objects.live().order_by("path").first()
    backend = get_backend()
    backend.upsert([documents.entry_for_page(page)])
    # The editor's change was committed and its index task claimed; then the worker was killed.
    Page.objects.filter(pk=page.pk).update(title="被中断后仍然生效的新标题")
    LessonPage.objects.filter(pk=page.pk).update(title="被中断后仍然生效的新标题")
    cut_off = search_tasks.sync_subtree.enqueue(page.pk)
    claimed(cut_off, f"{host}:{dead_pid()}:abcdefgh")
    # Not to be touched: a transcode (it has its own recovery), a task of a worker still alive,
    # and a task of a worker on another host (not judged from here).
    transcode = jobs.transcode_video.enqueue(2_000_000_000)
    claimed(transcode, f"{host}:{dead_pid()}:transcod")
    alive = subprocess.Popen(["sleep", "600"])
    other = search_tasks.sync_subtree.enqueue(page.pk)
    elsewhere = search_tasks.sync_subtree.enqueue(page.pk)
    try:
        claimed(other, f"{host}:{alive.pid}:stillrun")
        claimed(elsewhere, f"another-host:{dead_pid()}:farawayx")
        assert "被中断后仍然生效的新标题" not in str(index_documents(backend)[f"page-{page.pk}"])
        # Nothing else waits in the queue (the demo data's own index tasks are not this test's).
        DBTaskResult.objects.filter(status="READY").delete()

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(settings.VAR_DIR),
               "DATABASE_URL": worker_database_url(), "GONGYU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
               "GONGYU_SITE_AUTO_PUBLISH": "0", "GONGYU_STATIC_MANIFEST": "0"}
        worker = subprocess.run([sys.executable, "manage.py", "db_worker", "--batch"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=600)
        assert worker.returncode == 0, worker.stderr[-3000:]
    finally:
        alive.kill()
        alive.wait()

    assert "重新排队了 1 个被中断的后台任务" in worker.stderr
    assert DBTaskResult.objects.get(pk=cut_off.id).status == "SUCCESSFUL"
    assert "被中断后仍然生效的新标题" in str(index_documents(backend)[f"page-{page.pk}"])
    for untouched in (transcode, other, elsewhere):
        assert DBTaskResult.objects.get(pk=untouched.id).status == "RUNNING"
