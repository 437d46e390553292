"""Publishing from the admin: every page publish/unpublish/move/delete, privacy change, finished
video and topic claim change asks for a site publish; requests are coalesced — while one is queued and not yet started,
further requests add nothing — and run by the django-tasks worker (``tasks.publish_site_task``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PublishQueue

log = logging.getLogger("gongyu.publishing")


def _row():
    row = PublishQueue.objects.filter(pk=1).first()
    if row is None:
        row, _ = PublishQueue.objects.get_or_create(pk=1)
    return row


def request_publish() -> bool:
    """Queue a publish unless one is already waiting. Returns True if a task was enqueued."""
    if not getattr(settings, "SITE_AUTO_PUBLISH", True):
        return False
    _row()
    with transaction.atomic():
        claimed = PublishQueue.objects.filter(pk=1, pending=False).update(pending=True, requested_at=timezone.now())
    if not claimed:
        return False

    def enqueue():
        from .tasks import publish_site_task

        publish_site_task.enqueue()

    transaction.on_commit(enqueue)
    return True


def start_publish():
    """Called by the task as it starts: later requests queue a new run."""
    _row()
    PublishQueue.objects.filter(pk=1).update(pending=False, started_at=timezone.now())


def finish_publish(error: str = ""):
    PublishQueue.objects.filter(pk=1).update(finished_at=timezone.now(), last_error=error)


def connect_signals():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    def on_page_change(sender, **kwargs):
        request_publish()

    def on_delete(sender, instance, **kwargs):
        if isinstance(instance, Page) and instance.live:
            request_publish()

    page_published.connect(on_page_change, weak=False, dispatch_uid="gongyu-publish-on-publish")
    page_unpublished.connect(on_page_change, weak=False, dispatch_uid="gongyu-publish-on-unpublish")
    post_page_move.connect(on_page_change, weak=False, dispatch_uid="gongyu-publish-on-move")
    post_delete.connect(on_delete, weak=False, dispatch_uid="gongyu-publish-on-delete")

    from wagtail.models import PageViewRestriction

    # A page made private (or public again) in the admin sends no publish signal.
    post_save.connect(on_page_change, sender=PageViewRestriction, weak=False, dispatch_uid="gongyu-publish-on-privacy")
    post_delete.connect(on_page_change, sender=PageViewRestriction, weak=False,
                        dispatch_uid="gongyu-publish-on-privacy-delete")

    from transcoding.api import VideoAsset

    def on_video_saved(sender, instance, **kwargs):
        # A video finished transcoding: the pages showing "视频正在准备中" get the player.
        if instance.status == VideoAsset.Status.READY:
            request_publish()

    post_save.connect(on_video_saved, sender=VideoAsset, weak=False, dispatch_uid="gongyu-publish-on-video-ready")

    from cms.topics.models import TopicClaim

    post_save.connect(on_page_change, sender=TopicClaim, weak=False, dispatch_uid="gongyu-publish-on-claim")
    post_delete.connect(on_page_change, sender=TopicClaim, weak=False, dispatch_uid="gongyu-publish-on-claim-delete")
