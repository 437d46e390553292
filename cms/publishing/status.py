"""Health of the two ways a change reaches parents — the parent site (``site``) and the search
indexes (``search``): when each last succeeded, whether work is queued, since when it fails and
why (in Chinese). Failures are retried with back-off by the worker's periodic job (``periodic``)."""

from __future__ import annotations

import dataclasses
import errno
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import PublishQueue

SITE, SEARCH = "site", "search"
CHANNEL_LABELS = {SITE: "家长网站", SEARCH: "搜索索引"}


def row(channel=SITE):
    found = PublishQueue.objects.filter(channel=channel).first()
    if found is None:
        found, _ = PublishQueue.objects.get_or_create(channel=channel)
    return found


def backoff_seconds(failures):
    """30 s, 60 s, 120 s … capped at GONGYU_PUBLISH_RETRY_MAX_SECONDS (default 10 minutes)."""
    base = getattr(settings, "GONGYU_PUBLISH_RETRY_SECONDS", 30)
    cap = getattr(settings, "GONGYU_PUBLISH_RETRY_MAX_SECONDS", 600)
    return min(cap, base * 2 ** max(0, failures - 1))


def chinese_reason(error: BaseException) -> str:
    """Why a publish or an index update failed, as an editor reads it."""
    if isinstance(error, PermissionError) or getattr(error, "errno", None) in (errno.EACCES, errno.EROFS, errno.EPERM):
        where = getattr(error, "filename", None) or ""
        return f"发布目录不能写入(没有权限或是只读的){':' + str(where) if where else ''}"
    if getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘空间不足,无法写入新的网站版本"
    text = str(error).strip()
    if "Elasticsearch" in type(error).__name__ or "ConnectionError" in type(error).__name__:
        return f"搜索服务连接不上:{text[:200]}"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text[:300]
    return f"发布出错({type(error).__name__}: {text[:200]})"


def started(channel=SITE):
    row(channel)
    PublishQueue.objects.filter(channel=channel).update(pending=False, started_at=timezone.now())


def succeeded(channel=SITE):
    now = timezone.now()
    PublishQueue.objects.filter(channel=channel).update(
        finished_at=now, last_success_at=now, last_error="", failing_since=None, failures=0, next_retry_at=None)


def touched(channel=SEARCH):
    """One piece of work went through (an index update): the time is kept, but a recorded failure
    stays until a full retry succeeds (what failed earlier may still be missing)."""
    row(channel)
    now = timezone.now()
    PublishQueue.objects.filter(channel=channel).update(finished_at=now, last_success_at=now)


def failed(channel, error):
    """Record a failure; the periodic job retries once ``next_retry_at`` has passed."""
    now = timezone.now()
    current = row(channel)
    failures = current.failures + 1
    PublishQueue.objects.filter(channel=channel).update(
        finished_at=now, last_error=chinese_reason(error), failures=F("failures") + 1,
        failing_since=current.failing_since or now,
        next_retry_at=now + timedelta(seconds=backoff_seconds(failures)))


def due_for_retry(now=None):
    now = now or timezone.now()
    return list(PublishQueue.objects.filter(failing_since__isnull=False, next_retry_at__lte=now)
                .values_list("channel", flat=True))


@dataclasses.dataclass(frozen=True)
class ChannelStatus:
    channel: str
    label: str
    last_success_at: datetime | None
    queued: int
    failing_since: datetime | None
    failures: int
    reason: str
    next_retry_at: datetime | None
    behind: bool


def _queued_tasks(module):
    """Tasks of ``module`` waiting in the database queue (0 with another task backend)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover
        return 0
    from cms.core.workers import uses_task_table

    if not uses_task_table():
        return 0
    return DBTaskResult.objects.filter(status="READY", task_path__startswith=module).count()


def channel_status(channel):
    current = row(channel)
    module = "cms.publishing." if channel == SITE else "search."
    queued = _queued_tasks(module) or (1 if current.pending else 0)
    behind = bool(current.failing_since or current.pending or queued)
    return ChannelStatus(
        channel=channel, label=CHANNEL_LABELS[channel], last_success_at=current.last_success_at,
        queued=queued, failing_since=current.failing_since, failures=current.failures,
        reason=current.last_error if current.failing_since else "", next_retry_at=current.next_retry_at,
        behind=behind)


def summary_line(status):
    """One Chinese line per channel (``publish_site --status``, the admin banner)."""
    def when(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "从未"

    if status.failing_since:
        retry = f",{when(status.next_retry_at)} 自动重试" if status.next_retry_at else ""
        return (f"{status.label}落后:自 {when(status.failing_since)} 起发布失败 {status.failures} 次"
                f"({status.reason}){retry};最近一次成功:{when(status.last_success_at)}。")
    if status.queued:
        return f"{status.label}正在更新:排队 {status.queued} 项;最近一次成功:{when(status.last_success_at)}。"
    if status.last_success_at is None:
        return f"{status.label}还没有发布过。"
    return f"{status.label}已是最新:最近一次成功:{when(status.last_success_at)}。"


def take_pages():
    """For the publish that starts now: the pages named since the last one started, or None
    (compare everything). Later requests are noted for the next run."""
    with transaction.atomic():
        row = PublishQueue.objects.select_for_update().get(channel=SITE)
        pages = None if row.plan_all else list(row.pages)
        PublishQueue.objects.filter(pk=row.pk).update(pages=[], plan_all=False)
    return pages


def plan_all_next():
    """A publish failed or was interrupted: the next one compares everything."""
    PublishQueue.objects.filter(channel=SITE).update(pages=[], plan_all=True)
