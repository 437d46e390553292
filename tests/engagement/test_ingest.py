"""The ingest endpoint: what a parent's browser sends is counted once; hostile input is refused
or capped without an error page, and stores nothing personal."""

import json

import pytest
from django.test import override_settings

from engagement.ingest import catalogue
from engagement.models import Comment, RawEvent
from engagement.reports import participation
from engagement.rollup import run_rollup

from .helpers import batch, device, event, live_lessons

URL = "/api/engagement/events/"


@pytest.fixture
def school(db):
    from cms.topics.models import School

    school = School.objects.order_by("code").first()
    school.families, school.class_count = 40, 3
    school.save()
    catalogue.refresh(force=True)
    return school


def post(client, body, **extra):
    return client.post(URL, body, content_type="text/plain", **extra)


def test_batch_is_counted_once_when_resent(client, school):
    page = live_lessons(1)[0]
    dev = device()
    events = [event("view", page), event("play", page), event("watch50", page), event("watch90", page),
              event("checkin", page, text="和孩子一起做完了"), event("rating", page, value="good")]
    body = batch(dev, school.code, events, klass=2)
    first = post(client, body)
    assert first.status_code == 200
    assert first.json() == {"accepted": 6, "duplicate": 0, "dropped": 0, "capped": 0}
    assert first["Access-Control-Allow-Origin"] == "*"
    again = post(client, body)
    assert again.json() == {"accepted": 0, "duplicate": 6, "dropped": 0, "capped": 0}
    assert RawEvent.objects.count() == 6
    stored = RawEvent.objects.first()
    assert {f.name for f in RawEvent._meta.fields} == {
        "id", "key", "device", "school", "klass", "page_id", "kind", "value", "day", "received_at"}
    assert stored.klass == 2
    run_rollup(now=_later())
    day = stored.day
    from engagement.periods import monday

    report = participation("W", monday(day), [school])
    row = report["rows"][0]
    assert (row["reached"], row["started"], row["watched90"], row["checkins"], row["good"]) == (1, 1, 1, 1, 1)
    assert row["rate"] == "2.5%"
    assert report["classes"][0]["klass"] == "2 班"


def _later():
    import datetime

    from django.utils import timezone

    return timezone.now() + datetime.timedelta(seconds=30)


def test_hostile_payloads_are_refused_without_errors(client, school):
    page = live_lessons(1)[0]
    big = post(client, "x" * (1024 * 1024))
    assert big.status_code == 413 and big.json() == {"error": "数据太大。"}
    for bad in ("{not json", "[]", "null", json.dumps({"device": "../../etc", "events": []}),
                json.dumps({"device": device(), "events": "x"}), "\udcff".encode("utf-8", "surrogatepass"),
                "[" * 5000 + "]" * 5000):
        response = post(client, bad)
        assert response.status_code == 400, bad
        assert response.json() == {"error": "数据格式不对。"}
    too_many = post(client, batch(device(), school.code, [event("view", page)] * 101))
    assert too_many.status_code == 413 and too_many.json() == {"error": "一次发送的记录太多。"}
    forged = post(client, batch(device(), "S999", [event("view", page)]))
    assert forged.json()["dropped"] == 1
    odd = post(client, batch(device(), school.code, [
        event("hack", page), event("view", 999999), event("view", str(page)), event("rating", page, value="5"),
        {"id": "<script>", "kind": "view", "page": page}, event("view", page, text=["x"]), "x", 5]))
    assert odd.json() == {"accepted": 0, "duplicate": 0, "dropped": 8, "capped": 0}
    assert client.get(URL).status_code == 405
    assert RawEvent.objects.count() == 0


def test_comments_are_plain_text_waiting_for_an_editor(client, school):
    page = live_lessons(1)[0]
    note = "<script>alert(1)</script>" + "长" * 500
    post(client, batch(device(), school.code, [event("rating", page, value="bad", text=note)]))
    comment = Comment.objects.get()
    assert comment.status == "pending"
    assert comment.text == note[:200]


@override_settings(GONGYU_ENGAGEMENT_DEVICE_DAILY=50)
def test_one_device_is_capped_while_others_are_all_counted(client, school):
    page = live_lessons(1)[0]
    flood, accepted = device(), 0
    honest = [device() for _ in range(5)]
    for round_ in range(100):   # 10,000 events from one device, 100 per request
        r = post(client, batch(flood, school.code, [event("view", page) for _ in range(100)]))
        assert r.status_code == 200
        accepted += r.json()["accepted"]
        if round_ % 20 == 0:
            for n, dev in enumerate(honest):
                response = post(client, batch(dev, school.code, [event("view", page)]), REMOTE_ADDR=f"10.0.0.{n}")
                assert response.json()["accepted"] == 1
    assert accepted == 50
    assert RawEvent.objects.filter(device=flood).count() == 50
    assert RawEvent.objects.exclude(device=flood).count() == 25


@override_settings(GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE=30)
def test_one_address_is_slowed_down(client, school):
    page = live_lessons(1)[0]
    statuses = [post(client, batch(device(), school.code, [event("view", page) for _ in range(10)])).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = post(client, batch(device(), school.code, [event("view", page)]), REMOTE_ADDR="10.1.2.3")
    assert other.json()["accepted"] == 1
