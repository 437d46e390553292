"""E-mail for what happens outside the review workflow (Wagtail mails review requests, approvals
and send-backs itself, with Chinese texts): a video ready to play (to its studio), a topic claim
that changed (to the editors and the school's admins). Mail goes out after the change commits and
never fails the change: with no mail server it is written to var/mail/ (settings)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

log = logging.getLogger("gongyu.notifications")
MAX_RECIPIENTS = 200


def addresses(users):
    return sorted({u.email for u in users.filter(is_active=True).exclude(email="")[:MAX_RECIPIENTS]})


def mail(template, context, recipients):
    if not recipients:
        return
    subject = render_to_string(f"dashboard/mail/{template}_subject.txt", context).strip()
    body = render_to_string(f"dashboard/mail/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:  # a mail server that is down must not undo the change
        log.warning("邮件没有发出(%s):%s", subject, error)


def base_context():
    return {"admin_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/admin/"}


def on_change(sender, change, **kwargs):
    from cms.core import changes

    if change.event == changes.VIDEO_READY and change.video_id:
        video_ready(change.video_id)


def video_ready(video_id):
    from cms.studios.models import StudioRole
    from transcoding.models import VideoAsset

    video = VideoAsset.objects.filter(pk=video_id).first()
    role = StudioRole.objects.filter(collection_id=video.collection_id).first() if video else None
    if role is None:
        return
    users = get_user_model().objects.filter(groups=role.group)
    mail("video_ready", {**base_context(), "video": video, "studio": role.studio}, addresses(users))


def claim_saved(sender, instance, created, **kwargs):
    transaction.on_commit(lambda: claim_changed(instance.pk, created))


def claim_changed(claim_id, created):
    from cms.studios.api import EDITORS
    from cms.studios.models import SchoolRole
    from cms.topics.models import TopicClaim

    claim = TopicClaim.objects.filter(pk=claim_id).select_related("topic", "school").first()
    if claim is None:
        return
    User = get_user_model()
    users = User.objects.filter(groups__name=EDITORS)
    role = SchoolRole.objects.filter(school=claim.school).first()
    if role is not None:
        users = users | User.objects.filter(groups=role.group)
    mail("claim_changed", {**base_context(), "claim": claim, "created": created}, addresses(users.distinct()))


def connect():
    from django.db.models.signals import post_save

    from cms.topics.models import TopicClaim

    try:
        from cms.core import changes
    except ImportError:
        changes = None
    if changes is not None:
        changes.changed.connect(on_change, dispatch_uid="gongyu-dashboard-notifications")
    post_save.connect(claim_saved, sender=TopicClaim, dispatch_uid="gongyu-dashboard-claim-mail")
