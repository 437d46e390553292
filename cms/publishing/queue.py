"""Publishing from the admin: every change on the feed (``cms.core.changes``) asks for a site
publish; requests are coalesced — while one is queued and not yet started, further requests add
nothing — and run by the django-tasks worker (``tasks.publish_site_task``). Its state and
failures live in ``status``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import status
from .models import PublishQueue

log = logging.getLogger("gongyu.publishing")


def request_publish(force=False) -> bool:
    """Queue a publish unless one is already waiting. Returns True if a task was enqueued.
    ``force`` queues one even when auto-publishing is off (the periodic job's retries)."""
    if not force and not getattr(settings, "SITE_AUTO_PUBLISH", True):
        return False
    status.row(status.SITE)
    with transaction.atomic():
        claimed = PublishQueue.objects.filter(channel=status.SITE, pending=False).update(
            pending=True, requested_at=timezone.now())
    if not claimed:
        return False

    def enqueue():
        from .tasks import publish_site_task

        publish_site_task.enqueue()

    transaction.on_commit(enqueue)
    return True


def start_publish():
    """Called by the task as it starts: later requests queue a new run."""
    status.started(status.SITE)


def finish_publish(error: BaseException | None = None):
    if error is None:
        status.succeeded(status.SITE)
    else:
        status.failed(status.SITE, error)
