"""Claiming a research topic: the one place that creates and moves claims.

The topic row is locked (``select_for_update``) so concurrent claims queue up on PostgreSQL;
SQLite serialises writers anyway. The database triggers are the backstop: if anything slips
past, the insert fails and the caller still gets ``ClaimRefused`` with a Chinese message.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import ResearchTopic, TopicClaim


class ClaimRefused(Exception):
    """A claim that cannot be made or moved; ``str()`` is the message for the user."""


LIMIT_MARKER = "topic_claim_limit"


def _refusal(error, topic):
    if LIMIT_MARKER in str(error):
        return ClaimRefused(f"课题「{topic.title}」最多可由 {topic.max_claims} 所学校认领,名额已满。")
    if "one_active_claim" in str(error) or "UNIQUE" in str(error).upper():
        return ClaimRefused("这所学校已经认领了这个课题。")
    return ClaimRefused(f"认领失败:{error}")


def _messages(error):
    return " ".join(m for msgs in error.message_dict.values() for m in msgs)


def claim_topic(school, topic, *, on=None):
    """Claim ``topic`` for ``school``; returns the claim or raises ClaimRefused."""
    on = on or datetime.date.today()
    try:
        with transaction.atomic():
            locked = ResearchTopic.objects.select_for_update().get(pk=topic.pk)
            claim = TopicClaim(topic=locked, school=school, claimed_on=on)
            try:
                claim.full_clean()
            except ValidationError as error:
                raise ClaimRefused(_messages(error)) from error
            claim.save()
            return claim
    except IntegrityError as error:
        raise _refusal(error, topic) from error


def move_claim(claim, status, *, on=None, report=None):
    """Move a claim along 已认领 → 研究中 → 已结题 (or withdraw it)."""
    on = on or datetime.date.today()
    with transaction.atomic():
        claim = TopicClaim.objects.select_for_update().get(pk=claim.pk)
        claim.status = status
        if status == TopicClaim.Status.RESEARCHING and not claim.started_on:
            claim.started_on = on
        if status == TopicClaim.Status.CONCLUDED:
            claim.concluded_on = claim.concluded_on or on
        if report is not None:
            claim.report = report
        try:
            claim.full_clean()
            claim.save()
        except ValidationError as error:
            raise ClaimRefused(_messages(error)) from error
        except IntegrityError as error:
            raise _refusal(error, claim.topic) from error
        return claim
