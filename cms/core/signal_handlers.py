"""Wagtail's and the apps' model signals → the one change feed (``changes.announce``).

Modelled on Wagtail's own ``signal_handlers.py``: one ``register_signal_handlers()``, and the
work deferred with ``transaction.on_commit`` (inside ``announce``)."""

from django.db.models.signals import post_delete, post_save, pre_delete

from . import changes


def _page_published(sender, instance, **kwargs):
    changes.announce(changes.PAGE_PUBLISHED, page_id=instance.pk)


def _page_unpublished(sender, instance, **kwargs):
    changes.announce(changes.PAGE_UNPUBLISHED, page_id=instance.pk)


def _page_pre_move(sender, instance, **kwargs):
    from wagtail.models import Page

    instance._gongyu_old_path = Page.objects.filter(pk=instance.pk).values_list("path", flat=True).first() or ""


def _page_moved(sender, instance, **kwargs):
    changes.announce(changes.PAGE_MOVED, page_id=instance.pk, old_path=getattr(instance, "_gongyu_old_path", ""))


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    from .models import Tombstone

    if isinstance(instance, Page) and instance.path:
        if sender is Page:  # once per page (multi-table inheritance sends it for each table)
            Tombstone.record("page", instance.url_path)
            changes.announce(changes.PAGE_DELETED, page_id=instance.pk, old_path=instance.path)


def _tombstone(kind, key_of):
    def handler(sender, instance, **kwargs):
        from .models import Tombstone

        key = key_of(instance)
        if key:
            Tombstone.record(kind, key)

    return handler


def _claim_key(claim):
    try:
        return f"{claim.topic.code}:{claim.school.code}"
    except Exception:  # noqa: BLE001 - the topic or school is being deleted with it
        return ""


def _privacy_changed(sender, instance, **kwargs):
    if instance.page_id:
        changes.announce(changes.PRIVACY_CHANGED, page_id=instance.page_id)


def _claim_changed(sender, instance, **kwargs):
    from cms.topics.models import ResearchTopic

    code = ResearchTopic.objects.filter(pk=instance.topic_id).values_list("code", flat=True).first()
    changes.announce(changes.CLAIM_CHANGED, taxon=("topic", code) if code else ())


def _taxon_changed(sender, instance, **kwargs):
    changes.announce(changes.TAXONOMY_CHANGED, taxon=(sender._meta.model_name, instance.code))


def _topic_changed(sender, instance, **kwargs):
    changes.announce(changes.TOPIC_CHANGED, taxon=("topic", instance.code))


def register_signal_handlers():
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move, pre_page_move

    from cms.taxonomy.models import Problem, Stage, Theme
    from cms.topics.models import ResearchTopic, TopicClaim

    page_published.connect(_page_published, dispatch_uid="gongyu_core_published")
    page_unpublished.connect(_page_unpublished, dispatch_uid="gongyu_core_unpublished")
    pre_page_move.connect(_page_pre_move, dispatch_uid="gongyu_core_pre_move")
    post_page_move.connect(_page_moved, dispatch_uid="gongyu_core_moved")
    pre_delete.connect(_page_deleted, dispatch_uid="gongyu_core_deleted")
    from cms.topics.models import School
    from transcoding.models import VideoAsset

    pre_delete.connect(_tombstone("video", lambda v: v.key), sender=VideoAsset, weak=False,
                       dispatch_uid="gongyu_core_tombstone_video")
    pre_delete.connect(_tombstone("claim", _claim_key), sender=TopicClaim, weak=False,
                       dispatch_uid="gongyu_core_tombstone_claim")
    for model in (Problem, Stage, Theme, ResearchTopic, School):
        name = model._meta.model_name
        pre_delete.connect(_tombstone(name, lambda obj: obj.code), sender=model, weak=False,
                           dispatch_uid=f"gongyu_core_tombstone_{name}")
    for signal in (post_save, post_delete):
        name = signal is post_save and "save" or "delete"
        signal.connect(_privacy_changed, sender=PageViewRestriction, dispatch_uid=f"gongyu_core_privacy_{name}")
        signal.connect(_claim_changed, sender=TopicClaim, dispatch_uid=f"gongyu_core_claim_{name}")
        signal.connect(_topic_changed, sender=ResearchTopic, dispatch_uid=f"gongyu_core_topic_{name}")
        for model in (Problem, Stage, Theme):
            signal.connect(_taxon_changed, sender=model, dispatch_uid=f"gongyu_core_{model._meta.model_name}_{name}")
