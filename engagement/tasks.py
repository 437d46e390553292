"""Background work of participation (run by ``manage.py db_worker``)."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import RollupState


@task()
def rollup_task():
    from .rollup import prune, run_rollup

    RollupState.objects.filter(pk=1).update(scheduled_for=None)
    result = run_rollup()
    prune()
    new_week()
    return result


def new_week():
    """On the first run of a new week, republish: the home page and 本周家长课 show its lectures."""
    from cms.publishing.api import request_publish

    from .periods import monday

    week = monday(timezone.localdate())
    RollupState.objects.get_or_create(pk=1)
    if RollupState.objects.filter(pk=1).exclude(lecture_week=week).update(lecture_week=week):
        request_publish()
        return True
    return False


def schedule_rollup():
    """Queue one rollup a little later unless one is already queued (a burst of ingests queues
    one run). Backends that cannot defer (the tests' immediate one) queue nothing: tests and the
    ``engagement_rollup`` command call the rollup directly."""
    if not default_task_backend.supports_defer:
        return False
    now = timezone.now()
    when = now + datetime.timedelta(seconds=settings.GONGYU_ENGAGEMENT_ROLLUP_SECONDS)
    RollupState.objects.get_or_create(pk=1)
    claimed = RollupState.objects.filter(pk=1).filter(
        Q(scheduled_for__isnull=True) | Q(scheduled_for__lt=now - datetime.timedelta(minutes=10))
    ).update(scheduled_for=when)
    if claimed:
        rollup_task.using(run_after=when).enqueue()
    return bool(claimed)
