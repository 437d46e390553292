"""Publishing from the admin: every change on the feed (``cms.core.changes``) asks for a site
publish; requests are coalesced — while one is queued and not yet started, further requests add
nothing — and run by the django-tasks worker (``tasks.publish_site_task``). Its state and
failures live in ``status``; the task's start/finish bookkeeping in ``tasks``.

Each request also notes what the queued publish must look at: a page publish names its page (the
publish then plans only the files that show it, ``publisher``); any other change, a retry or
more than ``MAX_PAGES`` pages make it compare everything."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import status
from .models import PublishQueue
from .tasks import publish_site_task

log = logging.getLogger("gongyu.publishing")
MAX_PAGES = 200   # pages named by queued changes before the publish compares everything instead


def request_publish(force=False, change=None) -> bool:
    """Queue a publish unless one is already waiting. Returns True if a task was enqueued.
    ``force`` queues one even when auto-publishing is off (the periodic job's retries);
    ``change`` (a ``cms.core.changes.Change``) says which page changed, if one did."""
    if not force and not getattr(settings, "SITE_AUTO_PUBLISH", True):
        return False
    status.row(status.SITE)
    _note(change)
    with transaction.atomic():
        claimed = PublishQueue.objects.filter(channel=status.SITE, pending=False).update(
            pending=True, requested_at=timezone.now())
    if not claimed:
        return False

    def enqueue():
        publish_site_task.enqueue()

    transaction.on_commit(enqueue)
    return True


def _note(change):
    from cms.core import changes

    page_id = change.page_id if change is not None and change.event == changes.PAGE_PUBLISHED else None
    with transaction.atomic():
        row = PublishQueue.objects.select_for_update().get(channel=status.SITE)
        if row.plan_all or (page_id is not None and page_id in row.pages):
            return
        if page_id is None or len(row.pages) >= MAX_PAGES:
            row.pages, row.plan_all = [], True
        else:
            row.pages = [*row.pages, page_id]
        row.save(update_fields=["pages", "plan_all"])

