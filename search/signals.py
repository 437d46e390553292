"""Page and taxonomy changes -> index tasks, queued once the transaction commits (so the worker
sees what was committed)."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move, pre_page_move

from . import tasks


def _later(task, *args):
    transaction.on_commit(partial(task.enqueue, *args))


def on_page_changed(sender, instance, **kwargs):
    _later(tasks.sync_subtree, instance.pk)


def on_page_pre_move(sender, instance, **kwargs):
    instance._search_old_path = Page.objects.filter(pk=instance.pk).values_list("path", flat=True).first() or ""


def on_page_moved(sender, instance, **kwargs):
    _later(tasks.sync_subtree, instance.pk, getattr(instance, "_search_old_path", ""))


def on_page_deleted(sender, instance, **kwargs):
    if isinstance(instance, Page) and instance.path:
        _later(tasks.remove_subtree, instance.path)


def on_restriction_changed(sender, instance, **kwargs):
    if instance.page_id:
        _later(tasks.sync_subtree, instance.page_id)


def on_problem_changed(sender, instance, **kwargs):
    _later(tasks.sync_problem, instance.code)


def on_topic_changed(sender, instance, **kwargs):
    _later(tasks.sync_topic, instance.code)


def connect():
    from cms.taxonomy.models import Problem
    from cms.topics.models import ResearchTopic

    page_published.connect(on_page_changed, dispatch_uid="gongyu_search_published")
    page_unpublished.connect(on_page_changed, dispatch_uid="gongyu_search_unpublished")
    pre_page_move.connect(on_page_pre_move, dispatch_uid="gongyu_search_pre_move")
    post_page_move.connect(on_page_moved, dispatch_uid="gongyu_search_moved")
    pre_delete.connect(on_page_deleted, dispatch_uid="gongyu_search_deleted")
    for signal in (post_save, post_delete):
        signal.connect(on_restriction_changed, sender=PageViewRestriction, dispatch_uid=f"gongyu_search_restriction_{signal}")
        signal.connect(on_problem_changed, sender=Problem, dispatch_uid=f"gongyu_search_problem_{signal}")
        signal.connect(on_topic_changed, sender=ResearchTopic, dispatch_uid=f"gongyu_search_topic_{signal}")
