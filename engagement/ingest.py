"""The ingest of participation events sent by the parent site.

Everything a browser sends is checked here: size, shape, kinds, school code, page id, rate
limits per device (per day) and per address (per minute, by a daily-salted hash), duplicates
(the event key). What passes is appended to ``RawEvent``; comments are stored as plain text
waiting for an editor. The browser gets a small JSON answer it can act on.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
import secrets
import time

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cms.core import ratelimit

from . import kinds
from .models import Comment, DaySalt, Quota, RawEvent, SurveyResponse, SurveyTextAnswer

DEVICE_RE = re.compile(r"^[0-9a-f]{16,32}$")
EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SCHOOL_RE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
CACHE_SECONDS = 60
MAX_CLOCK_SKEW = datetime.timedelta(minutes=10)
MAX_DELAY = datetime.timedelta(days=7)


class Refused(Exception):
    """A request refused as a whole: ``status`` and a Chinese ``message``."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclasses.dataclass
class Outcome:
    accepted: int = 0
    duplicate: int = 0
    dropped: int = 0
    capped: int = 0

    def as_dict(self):
        return dataclasses.asdict(self)


class _Catalogue:
    """School codes and public page ids, re-read at most once a minute per process."""

    def __init__(self):
        self.loaded = 0.0
        self.schools = {}
        self.pages = frozenset()
        self.surveys = {}

    def refresh(self, force=False):
        if force or time.monotonic() - self.loaded > CACHE_SECONDS:
            from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
            from cms.studios.public import visible_to_public
            from cms.topics.models import School

            self.schools = {code: (pk, classes) for code, pk, classes in
                            School.objects.values_list("code", "pk", "class_count")}
            pages = set()
            for model in (CoursePage, LessonPage, MicroLessonPage):
                pages.update(visible_to_public(model.objects.all()).values_list("pk", flat=True))
            self.pages = frozenset(pages)
            self.surveys = published_surveys()
            self.loaded = time.monotonic()
        return self


catalogue = _Catalogue()


def published_surveys():
    """{survey id: (closes_on, {question id (str): (kind, number of options, required)})}."""
    from .models import Survey

    surveys = {}
    for survey in Survey.objects.filter(published=True).prefetch_related("questions"):
        surveys[survey.pk] = (survey.closes_on, {str(q.pk): (q.kind, len(q.options), q.required)
                                                 for q in survey.questions.all()})
    return surveys


def limits():
    return {
        "body": settings.GONGYU_ENGAGEMENT_MAX_BODY,
        "batch": settings.GONGYU_ENGAGEMENT_MAX_BATCH,
        "text": settings.GONGYU_ENGAGEMENT_MAX_TEXT,
        "device_day": settings.GONGYU_ENGAGEMENT_DEVICE_DAILY,
        "address_minute": settings.GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE,
        "survey_text": 500,   # SurveyTextAnswer.text
    }


def parse(body: bytes) -> dict:
    if len(body) > limits()["body"]:
        raise Refused(413, "数据太大。")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "数据格式不对。") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise Refused(400, "数据格式不对。")
    device = data.get("device")
    if not isinstance(device, str) or not DEVICE_RE.match(device):
        raise Refused(400, "数据格式不对。")
    if len(data["events"]) > limits()["batch"]:
        raise Refused(413, "一次发送的记录太多。")
    return data


def _event_time(value, now):
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            at = datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)
        except (OverflowError, OSError, ValueError):
            return now
        if now - MAX_DELAY <= at <= now + MAX_CLOCK_SKEW:
            return min(at, now)
    return now


def clean_events(data, pages, now):
    """The well-formed events of a batch (dicts ready for RawEvent) and how many were dropped."""
    device = data["device"]
    max_text = limits()["text"]
    seen, good, dropped = set(), [], 0
    for item in data["events"]:
        if not isinstance(item, dict):
            dropped += 1
            continue
        event_id, kind, page = item.get("id"), kinds.KINDS.get(item.get("kind")), item.get("page")
        if (not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id) or kind is None
                or not isinstance(page, int) or isinstance(page, bool) or page not in pages):
            dropped += 1
            continue
        value = None
        if kind == kinds.RATING:
            value = kinds.RATINGS.get(item.get("value"))
            if value is None:
                dropped += 1
                continue
        text = item.get("text")
        if text is not None and not isinstance(text, str):
            dropped += 1
            continue
        text = " ".join((text or "").split())[:max_text]
        key = f"{device}:{event_id}"
        if key in seen:
            continue
        seen.add(key)
        at = _event_time(item.get("t"), now)
        good.append({"key": key, "kind": kind, "page_id": page, "value": value, "text": text,
                     "day": timezone.localdate(at)})
    return good, dropped


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _plain(text, limit):
    """One line of plain text (control and direction characters removed), or None when too long."""
    text = " ".join(CONTROL_RE.sub(" ", text).split())
    return text if len(text) <= limit else None


def _answer(kind, options, value, text_limit):
    """The stored form of one answer (None: not answered); raises ValueError when malformed."""
    def integer(v):
        return isinstance(v, int) and not isinstance(v, bool)

    if value is None:
        return None
    if kind == "single":
        if integer(value) and 0 <= value < options:
            return value
    elif kind == "multiple":
        if (isinstance(value, list) and 0 < len(value) <= options and all(integer(v) and 0 <= v < options for v in value)
                and len(set(value)) == len(value)):
            return sorted(value)
        if value == []:
            return None
    elif kind == "scale":
        if integer(value) and 1 <= value <= 5:
            return value
    elif kind == "text" and isinstance(value, str):
        text = _plain(value, text_limit)
        if text is not None:
            return text or None
    raise ValueError(value)


def clean_answers(device, items, surveys, now):
    """The well-formed answer sets among survey events: dicts ready for SurveyResponse (one per
    survey), and how many were dropped (unknown or closed survey, unknown question, an option out
    of range, a required question unanswered, a text too long or not a string)."""
    text_limit = limits()["survey_text"]
    today = timezone.localdate(now)
    good, dropped, seen = [], 0, set()
    for item in items:
        survey_id, answers, event_id = item.get("survey"), item.get("answers"), item.get("id")
        survey = surveys.get(survey_id) if isinstance(survey_id, int) and not isinstance(survey_id, bool) else None
        if (survey is None or not isinstance(answers, dict) or not isinstance(event_id, str)
                or not EVENT_ID_RE.match(event_id) or (survey[0] is not None and today > survey[0])
                or survey_id in seen):
            dropped += 1
            continue
        questions = survey[1]
        try:
            if len(answers) > len(questions) or not set(answers) <= set(questions):
                raise ValueError(answers)
            clean = {}
            for qid, (kind, options, required) in questions.items():
                value = _answer(kind, options, answers.get(qid), text_limit)
                if value is None and required:
                    raise ValueError(qid)
                if value is not None:
                    clean[qid] = value
            if not clean:
                raise ValueError(answers)
        except ValueError:
            dropped += 1
            continue
        seen.add(survey_id)
        good.append({"key": f"{device}:{event_id}", "survey_id": survey_id, "answers": clean,
                     "texts": {qid: v for qid, v in clean.items() if questions[qid][0] == "text"}})
    return good, dropped


_salts = {}


def _salt(day):
    if day not in _salts:
        DaySalt.objects.bulk_create([DaySalt(day=day, salt=secrets.token_hex(32))], ignore_conflicts=True)
        _salts.clear()
        _salts[day] = DaySalt.objects.get(day=day).salt
    return _salts[day]


def address_hash(address, day):
    return hashlib.sha256(f"{_salt(day)}|{address}".encode()).hexdigest()[:40]


def take(bucket, window, wanted, limit):
    """Count ``wanted`` against ``bucket`` in ``window`` (one upsert, SQLite and PostgreSQL);
    returns how many of them fit under the limit."""
    table = connection.ops.quote_name(Quota._meta.db_table)
    column = connection.ops.quote_name("window")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, {column}, count) VALUES (%s, %s, %s) "
            f"ON CONFLICT (bucket, {column}) DO UPDATE SET count = {table}.count + excluded.count RETURNING count",
            [bucket, connection.ops.adapt_datetimefield_value(window), wanted])
        total = cursor.fetchone()[0]
    before = total - wanted
    return max(0, min(wanted, limit - before))


def _known_keys(keys):
    """The keys among ``keys`` already stored (one indexed query, without the ORM's overhead: the
    ingest is the hot path of an evening peak)."""
    table = connection.ops.quote_name(RawEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')} FROM {table} WHERE "
                       f"{connection.ops.quote_name('key')} IN ({', '.join(['%s'] * len(keys))})", keys)
        return {row[0] for row in cursor.fetchall()}


def _insert_raw(events, device, school_pk, klass, now):
    """Append the events to RawEvent in one statement (a key stored meanwhile is skipped)."""
    ops = connection.ops
    table = ops.quote_name(RawEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in
                        ("key", "device", "school_id", "klass", "page_id", "kind", "value", "day", "received_at"))
    received = ops.adapt_datetimefield_value(now)
    params = []
    for e in events:
        params += [e["key"], device, school_pk, klass, e["page_id"], e["kind"], e["value"],
                   ops.adapt_datefield_value(e["day"]), received]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(events))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT ({ops.quote_name('key')}) DO NOTHING",
                       params)


def ingest(body: bytes, address: str) -> Outcome:
    """Check and store one batch. Raises ``Refused`` for a request refused as a whole.

    Survey answers (kind "survey") may come without a school (a survey link without a school
    code); every other event needs a known school."""
    data = parse(body)
    now = timezone.now()
    outcome = Outcome()
    cat = catalogue.refresh()
    school_code = data.get("school")
    school = cat.schools.get(school_code) if isinstance(school_code, str) and SCHOOL_RE.match(school_code) else None
    items = data["events"]
    survey_items = [i for i in items if isinstance(i, dict) and i.get("kind") == "survey"]
    if survey_items:
        items = [i for i in items if not (isinstance(i, dict) and i.get("kind") == "survey")]
    answers, outcome.dropped = clean_answers(data["device"], survey_items, cat.surveys, now)
    school_pk, klass, events = None, 0, []
    if school is None:
        outcome.dropped += len(items)
    else:
        school_pk, class_count = school
        klass = data.get("class")
        if not (isinstance(klass, int) and not isinstance(klass, bool) and class_count and 1 <= klass <= class_count):
            klass = 0
        events, dropped = clean_events(dict(data, events=items), cat.pages, now)
        outcome.dropped += dropped
    if not events and not answers:
        return outcome
    today = timezone.localdate(now)
    minute = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        fresh, fresh_answers = events, answers
        if events:
            known = _known_keys([e["key"] for e in events])
            fresh = [e for e in events if e["key"] not in known]
        if answers:
            answered = set(SurveyResponse.objects.filter(device=data["device"], survey_id__in=[
                a["survey_id"] for a in answers]).values_list("survey_id", flat=True))
            fresh_answers = [a for a in answers if a["survey_id"] not in answered]   # one answer set per device
        outcome.duplicate = len(events) - len(fresh) + len(answers) - len(fresh_answers)
        wanted = len(fresh) + len(fresh_answers)
        day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        granted = take("d:" + data["device"], day_start, wanted, limits()["device_day"]) if wanted else 0
        outcome.capped = wanted - granted
        fresh, fresh_answers = fresh[:granted], fresh_answers[:max(0, granted - len(fresh))]
        stored = len(fresh) + len(fresh_answers)
        # Only what would be stored counts against the address (many parents share a school's
        # or a carrier's address); over the limit the whole batch is refused and resent later.
        if stored and take("a:" + address_hash(address, today), minute, stored,
                           limits()["address_minute"]) < stored:
            raise Refused(429, "请求太频繁,请稍后再试。")
        if fresh:
            _insert_raw(fresh, data["device"], school_pk, klass, now)
            comments = [Comment(event_key=e["key"], school_id=school_pk, page_id=e["page_id"], kind=e["kind"],
                                value=e["value"], text=e["text"]) for e in fresh if e["text"]]
            if comments:
                Comment.objects.bulk_create(comments, ignore_conflicts=True)
        for answer in fresh_answers:
            try:
                with transaction.atomic():   # the same device answering twice at once: the first wins
                    response = SurveyResponse.objects.create(key=answer["key"], survey_id=answer["survey_id"],
                                                             device=data["device"], school_id=school_pk,
                                                             answers=answer["answers"])
            except IntegrityError:
                stored -= 1
                outcome.duplicate += 1
                continue
            SurveyTextAnswer.objects.bulk_create([
                SurveyTextAnswer(response=response, question_id=int(qid), school_id=school_pk, text=text)
                for qid, text in answer["texts"].items()])
        outcome.accepted = stored
    return outcome


def client_address(request):
    """The client's address, used only to build the salted hash (never stored)."""
    return ratelimit.client_address(request)
