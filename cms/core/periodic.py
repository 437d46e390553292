"""Periodic jobs run by the worker itself (``manage.py db_worker``), with no cron line to keep.

One ``tick`` task is always queued (``run_after`` now + ``GONGYU_TICK_SECONDS``, 15 s by
default); each tick runs the jobs that are due and queues the next tick. A ``PeriodicJob`` row
named ``tick`` with a conditional UPDATE keeps exactly one tick queued however many workers
run; the worker queues one as it starts (``cms/core/management/commands/db_worker.py``), so a
killed and restarted worker picks the rhythm up again.

Apps register their jobs in ``AppConfig.ready``: ``periodic.every(seconds, "name", func)``.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

log = logging.getLogger("gongyu.periodic")
TICK = "tick"


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    func: object


JOBS: dict[str, Job] = {}


def every(seconds, name, func):
    JOBS[name] = Job(name, seconds, func)


def tick_seconds():
    return float(getattr(settings, "GONGYU_TICK_SECONDS", 15))


def _row(name):
    from .models import PeriodicJob

    found = PeriodicJob.objects.filter(name=name).first()
    if found is None:
        found, _ = PeriodicJob.objects.get_or_create(name=name)
    return found


def run_due(now=None, force=False):
    """Run every registered job whose interval has passed (all of them with ``force``)."""
    from .models import PeriodicJob

    now = now or timezone.now()
    ran = []
    for job in list(JOBS.values()):
        row = _row(job.name)
        if not force and row.last_run_at and now - row.last_run_at < timedelta(seconds=job.seconds):
            continue
        try:
            job.func()
            error = ""
        except Exception as failure:  # noqa: BLE001 - one job's failure must not stop the others
            log.exception("定时任务 %s 失败", job.name)
            error = f"{type(failure).__name__}: {failure}"
        PeriodicJob.objects.filter(pk=row.pk).update(last_run_at=now, last_error=error)
        ran.append(job.name)
    return ran


@task()
def tick():
    from .models import PeriodicJob

    _row(TICK)
    PeriodicJob.objects.filter(name=TICK).update(pending=False, last_run_at=timezone.now())
    try:
        return run_due()
    finally:
        schedule_next()


def schedule_next(delay=None, force=False):
    """Queue the next tick unless one is queued already (or the one queued is long overdue, e.g.
    its worker was killed while running it). Only with a backend that can run tasks later."""
    from .models import PeriodicJob

    if not default_task_backend.supports_defer:
        return False
    now = timezone.now()
    delay = tick_seconds() if delay is None else delay
    _row(TICK)
    rows = PeriodicJob.objects.filter(name=TICK)
    if not force:
        rows = rows.filter(Q(pending=False) | Q(requested_at__lt=now - timedelta(seconds=4 * tick_seconds() + 60)))
    if not rows.update(pending=True, requested_at=now):
        return False
    tick.using(run_after=now + timedelta(seconds=delay)).enqueue()
    return True


def prune_finished_tasks():
    """Finished task rows (a tick every 15 s adds up) older than a day; failed ones after a week."""
    import io

    from django.core.management import call_command

    from .workers import uses_task_table

    if uses_task_table():
        call_command("prune_db_task_results", "--min-age-days", "1", "--failed-min-age-days", "7",
                     stdout=io.StringIO())


every(3600, "prune_finished_tasks", prune_finished_tasks)


def on_worker_start():
    """The worker starts: make sure a tick is waiting for it (one may have been lost with a
    killed worker, or this is the first start)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover
        return schedule_next(0)
    waiting = DBTaskResult.objects.filter(status="READY", task_path=f"{__name__}.tick").exists()
    return False if waiting else schedule_next(0, force=True)
