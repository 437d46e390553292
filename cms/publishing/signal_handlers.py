"""Publishing subscribes to the one change feed: any change may alter the parent site, so each
asks for one coalesced publish (an unchanged site costs a fingerprint comparison).

A page approved and published also approves the videos it shows: a replaced video file waits
for this (``transcoding.api.promote_videos_of``) — media are reviewed with their page."""

from cms.core import changes


def _on_change(sender, change, **kwargs):
    from .queue import request_publish

    if change.event == changes.VIDEO_PLAYABLE:
        return  # the site shows a video once it is READY (all rungs), not while it is playable
    if change.event == changes.PAGE_PUBLISHED and change.page_id:
        from wagtail.models import Page

        from transcoding.api import promote_videos_of

        page = Page.objects.filter(pk=change.page_id).first()
        if page is not None:
            promote_videos_of(page)
    request_publish(change=change)


def register_signal_handlers():
    changes.changed.connect(_on_change, dispatch_uid="gongyu_publishing_on_change")
