"""A change to the weekly lecture schedule or to a 问卷 republishes the parent site (home panel, 本周家长课)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _republish(sender, **kwargs):
    from cms.publishing.api import request_publish

    transaction.on_commit(request_publish)


def register_signal_handlers():
    from .models import Survey, WeeklyLecture

    post_save.connect(_republish, sender=WeeklyLecture, dispatch_uid="engagement-weekly-save")
    post_delete.connect(_republish, sender=WeeklyLecture, dispatch_uid="engagement-weekly-delete")
    post_save.connect(_republish, sender=Survey, dispatch_uid="engagement-survey-save")
    post_delete.connect(_republish, sender=Survey, dispatch_uid="engagement-survey-delete")
