"""The one change feed: every change that can alter what parents see becomes one ``Change``,
sent on ``changed`` after the transaction that made it commits.

Producers: ``signal_handlers`` (Wagtail's page signals, privacy, claims, taxonomy) and
transcoding, which announces its own state changes explicitly (``announce``) — never through
``post_save`` (a ``QuerySet.update()`` sends none). Subscribers (publishing, search) connect to
``changed`` in their own ``register_signal_handlers()`` and get the event once it is committed,
so the work they queue sees the committed database.
"""

from __future__ import annotations

import dataclasses
import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger("gongyu.changes")

# Event names.
PAGE_PUBLISHED = "page_published"
PAGE_UNPUBLISHED = "page_unpublished"
PAGE_MOVED = "page_moved"
PAGE_DELETED = "page_deleted"
PRIVACY_CHANGED = "privacy_changed"
SCHEDULE_DUE = "schedule_due"          # go-live or expiry time passed (the worker's periodic job)
VIDEO_PLAYABLE = "video_playable"
VIDEO_READY = "video_ready"
VIDEO_REPLACED = "video_replaced"
VIDEO_DELETED = "video_deleted"
CLAIM_CHANGED = "claim_changed"
TAXONOMY_CHANGED = "taxonomy_changed"  # a problem/stage/theme renamed, added or removed
TOPIC_CHANGED = "topic_changed"        # a research topic

PAGE_EVENTS = (PAGE_PUBLISHED, PAGE_UNPUBLISHED, PAGE_MOVED, PAGE_DELETED, PRIVACY_CHANGED, SCHEDULE_DUE)
VIDEO_EVENTS = (VIDEO_PLAYABLE, VIDEO_READY, VIDEO_REPLACED, VIDEO_DELETED)

changed = Signal()  # send(sender=Change, change=Change)


@dataclasses.dataclass(frozen=True)
class Change:
    event: str
    page_id: int | None = None     # the root of the affected subtree
    old_path: str = ""             # a moved or deleted subtree's tree path before the change
    video_id: int | None = None
    taxon: tuple = ()              # ("problem" | "stage" | "theme" | "topic", code)


def announce(event, **fields):
    """Send ``Change(event, **fields)`` once the current transaction commits (at once outside one)."""
    change = Change(event, **fields)
    transaction.on_commit(lambda: send(change))
    return change


def send(change):
    for _receiver, result in changed.send_robust(sender=Change, change=change):
        if isinstance(result, Exception):
            # A subscriber that cannot queue its work must not undo the editor's change; the
            # periodic check (publish_site --verify) repairs what it missed.
            log.error("变更通知处理失败 %s: %s", change.event, result, exc_info=result)
