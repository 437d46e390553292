"""Workers, and the tasks a killed one leaves behind.

django-tasks' database worker marks a task RUNNING when it claims it and never looks at it again
if the process dies: the change that task carried (a page's search entry, a site publish) would
wait for the periodic check (``GONGYU_VERIFY_SECONDS``, 10 minutes) to be repaired.

So each worker is named ``<host>:<pid>:<random>`` (``manage.py db_worker`` without
``--worker-id``), and a worker that starts (``on_worker_start``) puts back in the queue every
RUNNING task claimed by a worker **on its own host whose process is gone** — when the task is
safe to run twice (``GONGYU_REQUEUE_TASKS``: search index syncs and the site publish re-read the
database, so running one again converges). Other tasks are left as they are (a transcode has its
own recovery: its heartbeat goes stale and the video shows 已中断 with 重新转码). A worker on
another host is never judged from here: its tasks are that host's business, and the periodic check
still repairs what they leave.
"""

from __future__ import annotations

import logging
import os
import socket

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

log = logging.getLogger("gongyu.worker")

DEFAULT_REQUEUE = ("search.tasks.", "cms.publishing.tasks.", "engagement.tasks.")


def uses_task_table() -> bool:
    """Tasks wait in the database (django-tasks-db): their rows can be counted and re-queued."""
    return "django_tasks_db" in settings.TASKS.get("default", {}).get("BACKEND", "")


def new_worker_id() -> str:
    """``<host>:<pid>:<random>`` within django-tasks' 64 characters."""
    host = socket.gethostname()[:40]
    return f"{host}:{os.getpid()}:{get_random_string(8)}"


def _process_gone(worker_id: str) -> bool:
    """True only when ``worker_id`` names a worker on this host whose process no longer exists."""
    parts = worker_id.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname()[:40] or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def requeue_interrupted() -> int:
    """Queue again each task a dead worker of this host left RUNNING, if it is safe to run twice.
    Returns how many were queued again."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another task backend
        return 0
    if not uses_task_table():
        return 0
    prefixes = tuple(getattr(settings, "GONGYU_REQUEUE_TASKS", DEFAULT_REQUEUE))
    requeued = 0
    for pk, path, workers in DBTaskResult.objects.filter(status="RUNNING").values_list(
            "pk", "task_path", "worker_ids"):
        if not path.startswith(prefixes) or not workers or not _process_gone(workers[-1]):
            continue
        # The conditional update: two workers starting at once requeue a task once.
        requeued += DBTaskResult.objects.filter(pk=pk, status="RUNNING").update(
            status="READY", started_at=None, run_after=timezone.now())
    if requeued:
        log.warning("重新排队了 %s 个被中断的后台任务(上一个后台进程在执行时退出)", requeued)
    return requeued
