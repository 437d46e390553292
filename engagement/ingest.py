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
from django.db import connection, transaction
from django.utils import timezone

from . import kinds
from .models import Comment, DaySalt, Quota, RawEvent

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
            self.loaded = time.monotonic()
        return self


catalogue = _Catalogue()


def limits():
    return {
        "body": settings.GONGYU_ENGAGEMENT_MAX_BODY,
        "batch": settings.GONGYU_ENGAGEMENT_MAX_BATCH,
        "text": settings.GONGYU_ENGAGEMENT_MAX_TEXT,
        "device_day": settings.GONGYU_ENGAGEMENT_DEVICE_DAILY,
        "address_minute": settings.GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE,
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


def ingest(body: bytes, address: str) -> Outcome:
    """Check and store one batch. Raises ``Refused`` for a request refused as a whole."""
    data = parse(body)
    now = timezone.now()
    outcome = Outcome()
    cat = catalogue.refresh()
    school_code = data.get("school")
    school = cat.schools.get(school_code) if isinstance(school_code, str) and SCHOOL_RE.match(school_code) else None
    if school is None:
        outcome.dropped = len(data["events"])
        return outcome
    school_pk, class_count = school
    klass = data.get("class")
    if not (isinstance(klass, int) and not isinstance(klass, bool) and class_count and 1 <= klass <= class_count):
        klass = 0
    events, outcome.dropped = clean_events(data, cat.pages, now)
    if not events:
        return outcome
    today = timezone.localdate(now)
    minute = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        known = set(RawEvent.objects.filter(key__in=[e["key"] for e in events]).values_list("key", flat=True))
        fresh = [e for e in events if e["key"] not in known]
        outcome.duplicate = len(events) - len(fresh)
        day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        granted = take("d:" + data["device"], day_start, len(fresh), limits()["device_day"]) if fresh else 0
        fresh, outcome.capped = fresh[:granted], len(fresh) - granted
        # Only what would be stored counts against the address (many parents share a school's
        # or a carrier's address); over the limit the whole batch is refused and resent later.
        if fresh and take("a:" + address_hash(address, today), minute, len(fresh),
                          limits()["address_minute"]) < len(fresh):
            raise Refused(429, "请求太频繁,请稍后再试。")
        RawEvent.objects.bulk_create([
            RawEvent(key=e["key"], device=data["device"], school_id=school_pk, klass=klass, page_id=e["page_id"],
                     kind=e["kind"], value=e["value"], day=e["day"]) for e in fresh], ignore_conflicts=True)
        Comment.objects.bulk_create([
            Comment(event_key=e["key"], school_id=school_pk, page_id=e["page_id"], kind=e["kind"], value=e["value"],
                    text=e["text"]) for e in fresh if e["text"]], ignore_conflicts=True)
        outcome.accepted = len(fresh)
    return outcome


def client_address(request):
    """The client's address, used only to build the salted hash (never stored)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if forwarded and proxies:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[max(len(hops) - proxies, 0)]
    return request.META.get("REMOTE_ADDR", "")
