"""Rollups, computed incrementally from the raw events the worker has not counted yet.

Each run takes the raw events above the watermark (those received at least a few seconds ago,
so a transaction still open on PostgreSQL is never skipped), finds the days and schools they
touch, and recounts exactly those: per day × school × class × page × measure, and per
week/term × school × class (and all classes) × measure with distinct devices. A recount of a
touched slice from the raw rows is what makes "distinct families" right without keeping a set
per family; reports read only the rollups.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Value, When
from django.utils import timezone

from . import kinds
from .models import DaySalt, Quota, RawEvent, Rollup, RollupState, SurveyResponse, SurveyTally
from .periods import monday, span, term_start

SETTLE = datetime.timedelta(seconds=5)
ALL = -1


def _measure():
    return Case(When(kind=kinds.RATING, then=F("value") + Value(60)), default=F("kind"), output_field=IntegerField())


def _rows(raw, period, start, by_class=True, by_page=False, any_kind=False):
    fields = (["day"] if period == "D" else []) + ["school_id"] + (["klass"] if by_class else []) \
        + (["page_id"] if by_page else [])
    qs = raw.annotate(m=Value(kinds.ANY, output_field=IntegerField()) if any_kind else _measure())
    qs = qs.values(*fields, "m").annotate(n=Count("id"), d=Count("device", distinct=True)).order_by()
    for row in qs:
        yield Rollup(period=period, start=row.get("day", start), school_id=row["school_id"],
                     klass=row["klass"] if by_class else ALL, page_id=row.get("page_id", 0),
                     measure=row["m"], events=row["n"], devices=row["d"])


def recount(period, start, schools):
    """Replace the rollups of one period for ``schools`` by a recount of the raw events.

    The counting reads only (it never blocks the ingest, even on SQLite); the replacement is
    one short transaction per slice."""
    first, last = span(period, start)
    raw = RawEvent.objects.filter(day__gte=first, day__lte=last, school_id__in=schools)
    rows = []
    if period == "D":
        rows.extend(_rows(raw, "D", start, by_page=True))
    else:
        for by_class in (True, False):
            for any_kind in (False, True):
                rows.extend(_rows(raw, period, start, by_class=by_class, any_kind=any_kind))
    with transaction.atomic():
        RollupState.objects.select_for_update().get(pk=1)   # one writer at a time (PostgreSQL)
        Rollup.objects.filter(period=period, start=start, school_id__in=schools).delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def touched(after, upto):
    """{(period, start): {school ids}} for the raw events with ids in (after, upto]."""
    slices = {}
    pairs = (RawEvent.objects.filter(id__gt=after, id__lte=upto)
             .values_list("day", "school_id").distinct().order_by())
    for day, school in pairs:
        for key in (("D", day), ("W", monday(day)), ("T", term_start(day))):
            slices.setdefault(key, set()).add(school)
    return slices


def run_rollup(now=None):
    """Count what is new; returns {"events": n, "slices": n, "rows": n}. Safe to run any time and
    from several workers: a slice recount is idempotent, and the watermark only moves forward
    once every touched slice has been recounted (a run that stops half-way is redone)."""
    now = now or timezone.now()
    RollupState.objects.get_or_create(pk=1)
    after = RollupState.objects.get(pk=1).last_event_id
    upto = RawEvent.objects.filter(id__gt=after, received_at__lte=now - SETTLE).aggregate(m=Max("id"))["m"]
    surveys = tally_surveys(now)
    if upto is None:
        return {"events": 0, "slices": 0, "rows": 0, "surveys": surveys}
    slices = touched(after, upto)
    rows = sum(recount(period, start, sorted(schools)) for (period, start), schools in sorted(slices.items()))
    events = RawEvent.objects.filter(id__gt=after, id__lte=upto).count()
    RollupState.objects.filter(pk=1, last_event_id__lt=upto).update(last_event_id=upto)
    return {"events": events, "slices": len(slices), "rows": rows, "surveys": surveys}


def recount_survey(survey_id):
    """Replace the tallies of one survey by a recount of its answer sets."""
    counts = {}
    answers = SurveyResponse.objects.filter(survey_id=survey_id).values_list("school_id", "answers")
    for school, given in answers.iterator(chunk_size=2000):
        counts[(school, None, -1)] = counts.get((school, None, -1), 0) + 1
        for qid, value in given.items():
            question = int(qid)
            options = value if isinstance(value, list) else [value if isinstance(value, int) else -1]
            for option in {-1, *options}:
                counts[(school, question, option)] = counts.get((school, question, option), 0) + 1
    with transaction.atomic():
        RollupState.objects.select_for_update().get(pk=1)
        SurveyTally.objects.filter(survey_id=survey_id).delete()
        SurveyTally.objects.bulk_create([
            SurveyTally(survey_id=survey_id, school_id=school, question_id=question, option=option, count=n)
            for (school, question, option), n in counts.items()], batch_size=2000)


def tally_surveys(now):
    """Recount the surveys that got answers since the last run; returns how many."""
    after = RollupState.objects.get(pk=1).last_survey_response_id
    upto = SurveyResponse.objects.filter(id__gt=after, received_at__lte=now - SETTLE).aggregate(m=Max("id"))["m"]
    if upto is None:
        return 0
    surveys = sorted(set(SurveyResponse.objects.filter(id__gt=after, id__lte=upto)
                         .values_list("survey_id", flat=True).distinct().order_by()))
    for survey_id in surveys:
        recount_survey(survey_id)
    RollupState.objects.filter(pk=1, last_survey_response_id__lt=upto).update(last_survey_response_id=upto)
    return len(surveys)


def prune(today=None):
    """Raw events older than GONGYU_ENGAGEMENT_RAW_DAYS, old rate-limit counters and salts."""
    today = today or timezone.localdate()
    keep = today - datetime.timedelta(days=settings.GONGYU_ENGAGEMENT_RAW_DAYS)
    # Only counted events may go: the watermark never moves back over deleted ids.
    state = RollupState.objects.filter(pk=1).first()
    counted = state.last_event_id if state else 0
    removed, _ = RawEvent.objects.filter(day__lt=keep, id__lte=counted).delete()
    Quota.objects.filter(window__lt=timezone.now() - datetime.timedelta(days=2)).delete()
    DaySalt.objects.filter(day__lt=today).delete()
    return removed
