"""The periodic jobs of publishing, run by the worker's tick (``cms.core.periodic``):

- ``publish_scheduled`` every tick: Wagtail's scheduled go-live and expiry; the pages it
  publishes or unpublishes reach the site and search through the change feed, so a page goes
  live or disappears within a tick (15 s by default) of its time.
- ``publish_retry`` every tick: a failed site publish or index update whose back-off has passed
  is tried again.
- ``verify`` every ``GONGYU_VERIFY_SECONDS`` (10 minutes): ``publish_site --verify``.
"""

import io
import logging

from django.conf import settings
from django.core.management import call_command

from cms.core import periodic

from . import status

log = logging.getLogger("gongyu.publishing")


def publish_scheduled():
    call_command("publish_scheduled", stdout=io.StringIO())


def retry_due():
    from .queue import request_publish
    from .verify import resync_search

    for channel in status.due_for_retry():
        if channel == status.SITE:
            log.info("重试发布家长网站")
            request_publish(force=True)
        elif channel == status.SEARCH:
            log.info("重试更新搜索索引")
            try:
                resync_search()
            except Exception as error:  # noqa: BLE001 - recorded; tried again after the back-off
                status.failed(status.SEARCH, error)
            else:
                status.succeeded(status.SEARCH)


def recover_lost_publish(now=None):
    """A worker killed during a publish leaves it started but never finished, and one killed
    before starting it may leave the request flag set with no task queued: ask again."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import PublishQueue
    from .queue import request_publish

    now = now or timezone.now()
    stale = now - timedelta(seconds=float(getattr(settings, "GONGYU_PUBLISH_STALE_SECONDS", 600)))
    site = status.row(status.SITE)
    unfinished = site.started_at and (not site.finished_at or site.finished_at < site.started_at)
    if unfinished and site.started_at < stale:
        PublishQueue.objects.filter(pk=site.pk).update(finished_at=now)
        log.warning("上一次发布没有完成(后台任务可能被中断),重新发布")
        request_publish(force=True)
    elif site.pending and site.requested_at and site.requested_at < stale and not status._queued_tasks("cms.publishing."):
        PublishQueue.objects.filter(pk=site.pk).update(pending=False)
        request_publish(force=True)


def verify_and_repair():
    from .verify import verify

    verify(repair=True)


def register():
    periodic.every(0, "publish_scheduled", publish_scheduled)
    periodic.every(0, "publish_retry", retry_due)
    periodic.every(60, "publish_recover", recover_lost_publish)
    periodic.every(float(getattr(settings, "GONGYU_VERIFY_SECONDS", 600)), "verify", verify_and_repair)
