"""E-mail for what happens outside the review workflow (Wagtail mails review requests, approvals
and send-backs itself, with Chinese texts): a video transcoded or failed (to whoever uploaded it,
else its studio; ``transcoding.models.video_finished``, sent once per finished job), a topic claim
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


def on_video_finished(sender, video_id, outcome, **kwargs):
    video_mail(video_id, "video_ready" if outcome == "ready" else "video_failed")


def video_ready(video_id):
    video_mail(video_id, "video_ready")


def video_mail(video_id, template):
    from django.urls import reverse

    from cms.studios.models import StudioRole
    from transcoding.models import VideoAsset

    video = VideoAsset.objects.filter(pk=video_id).select_related("uploaded_by").first()
    if video is None:
        return
    role = StudioRole.objects.filter(collection_id=video.collection_id).select_related("studio").first()
    User = get_user_model()
    uploader = video.uploaded_by
    if uploader is not None and uploader.is_active and uploader.email:
        users = User.objects.filter(pk=uploader.pk)
    elif role is not None:
        users = User.objects.filter(groups=role.group)
    else:
        return
    edit_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "wagtailsnippets_transcoding_videoasset:edit", args=(video.pk,))
    mail(template, {**base_context(), "video": video, "studio": role.studio if role else None,
                    "edit_url": edit_url}, addresses(users))


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
    from transcoding.models import video_finished

    video_finished.connect(on_video_finished, dispatch_uid="gongyu-dashboard-video-mail")
    post_save.connect(claim_saved, sender=TopicClaim, dispatch_uid="gongyu-dashboard-claim-mail")
