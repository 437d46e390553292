"""Rollups equal a recount of the raw events; the 督导 report (command and admin) shows them;
a school admin sees only their own school's figures everywhere (dashboard, export, JSON)."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page

from engagement import kinds
from engagement.models import RawEvent, Rollup
from engagement.periods import monday, term_start, week_label
from engagement.rollup import run_rollup
from tests.security.roles import editor_user, school_a, school_admin_a, school_b  # noqa: F401  (fixtures)

from .helpers import live_lessons


def later():
    return timezone.now() + datetime.timedelta(seconds=30)


def random_events(rng, schools, pages, n, days):
    devices = [f"{rng.getrandbits(128):032x}" for _ in range(n // 4)]
    rows = []
    for i in range(n):
        kind = rng.choice(list(kinds.KINDS.values()))
        rows.append(RawEvent(
            key=f"r{i}:{rng.getrandbits(64)}", device=rng.choice(devices), school_id=rng.choice(schools),
            klass=rng.randrange(0, 4), page_id=rng.choice(pages), kind=kind,
            value=rng.randrange(1, 4) if kind == kinds.RATING else None, day=rng.choice(days)))
    return rows


def recount(period, first, last):
    """{(school, klass, measure): (events, distinct devices)} straight from the raw events."""
    out = {}
    for e in RawEvent.objects.filter(day__gte=first, day__lte=last):
        for klass in (e.klass, -1):
            for measure in (kinds.measure_of(e.kind, e.value), kinds.ANY):
                entry = out.setdefault((e.school_id, klass, measure), [0, set()])
                entry[0] += 1
                entry[1].add(e.device)
    return {k: (v[0], len(v[1])) for k, v in out.items()}


def stored(period, start):
    return {(r.school_id, r.klass, r.measure): (r.events, r.devices)
            for r in Rollup.objects.filter(period=period, start=start)}


@pytest.mark.django_db
def test_rollups_equal_a_recount_after_a_randomized_run():
    from cms.topics.models import School

    rng = random.Random(13)
    schools = list(School.objects.values_list("pk", flat=True)[:4])
    pages = live_lessons(5)
    week = monday(timezone.localdate()) - datetime.timedelta(weeks=1)
    days = [week + datetime.timedelta(days=d) for d in range(10)]   # this week, the next, maybe two terms
    for _ in range(3):   # several incremental runs over interleaved days
        RawEvent.objects.bulk_create(random_events(rng, schools, pages, 700, days))
        run_rollup(now=later())
    for start in {monday(d) for d in days}:
        assert stored("W", start) == recount("W", start, start + datetime.timedelta(days=6))
    for start in {term_start(d) for d in days}:
        from engagement.periods import term_end

        assert stored("T", start) == recount("T", start, term_end(start))
    daily = {(r.start, r.school_id, r.klass, r.page_id, r.measure): r.events for r in Rollup.objects.filter(period="D")}
    assert sum(daily.values()) == RawEvent.objects.count()
    assert run_rollup(now=later()) == {"events": 0, "slices": 0, "rows": 0, "surveys": 0}


def seed(school, other, page):
    day = timezone.localdate()
    rows = []
    for n in range(6):
        rows += [RawEvent(key=f"a{n}:{k}", device=f"{n:032x}", school=school, klass=1 + n % 2, page_id=page, kind=k,
                          day=day) for k in (kinds.VIEW, kinds.PLAY, kinds.WATCH90)]
    rows.append(RawEvent(key="a0:r", device=f"{0:032x}", school=school, klass=1, page_id=page, kind=kinds.RATING,
                         value=1, day=day))
    rows += [RawEvent(key=f"b{n}", device=f"{n + 100:032x}", school=other, page_id=page, kind=kinds.PLAY, day=day)
             for n in range(9)]
    RawEvent.objects.bulk_create(rows)
    run_rollup(now=later())
    return week_label(monday(day))


@pytest.mark.django_db
def test_participation_report_command_writes_csv_and_xlsx(tmp_path, school_a, school_b):  # noqa: F811
    school, other = school_a.school, school_b.school
    school.families = 12
    school.save()
    week = seed(school, other, live_lessons(1)[0])
    out = tmp_path / "r.csv"
    call_command("participation_report", "--week", week, "--school", school.code, "--format", "csv", "--out", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert f"{school.code},{school.name},全校,12,6,50.0%,6,6,0,6,0,1,0,0,100.0%" in text
    assert other.name not in text
    xlsx = tmp_path / "r.xlsx"
    call_command("participation_report", "--week", week, "--term", "--format", "xlsx", "--out", str(xlsx))
    sheet = load_workbook(xlsx)["参与情况"]
    rows = {(r[0], r[2]): r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[school.code, "全校"][4] == 6 and rows[other.code, "全校"][7] == 9
    assert rows[school.code, "1 班"][4] == 3 and rows[school.code, "2 班"][4] == 3
    with pytest.raises(Exception, match="周次「2026-48」的格式应为 2026-W48。"):
        call_command("participation_report", "--week", "2026-48", "--format", "csv", "--out", str(out))



@pytest.mark.django_db
def test_a_lesson_title_that_looks_like_a_formula_stays_text_in_csv_and_xlsx(tmp_path, school_a, school_b):  # noqa: F811
    school, other = school_a.school, school_b.school
    lesson = live_lessons(1)[0]
    week = seed(school, other, lesson)
    Page.objects.filter(pk=lesson).update(title='=HYPERLINK("http://example.com","点这里")')
    out = tmp_path / "r.csv"
    call_command("participation_report", "--week", week, "--format", "csv", "--out", str(out))
    assert '"\'=HYPERLINK(' in out.read_text(encoding="utf-8-sig")
    xlsx = tmp_path / "r.xlsx"
    call_command("participation_report", "--week", week, "--format", "xlsx", "--out", str(xlsx))
    titles = [r[0] for r in load_workbook(xlsx)["课程排行"].iter_rows(min_row=2, values_only=True)]
    assert any(t.startswith("'=HYPERLINK(") for t in titles)


@pytest.mark.django_db
def test_a_school_admin_sees_only_their_own_school(client, school_a, school_b, school_admin_a, editor_user):  # noqa: F811
    school, other = school_a.school, school_b.school
    week = seed(school, other, live_lessons(1)[0])
    client.force_login(school_admin_a)
    own = client.get("/admin/engagement/", {"week": week})
    assert own.status_code == 200
    html = own.content.decode()
    assert school.name in html and other.name not in html
    assert client.get("/admin/engagement/", {"week": week, "school": other.code}).status_code == 404
    assert client.get("/admin/engagement/export/", {"week": week, "school": other.code, "format": "csv"}).status_code == 404
    assert client.get("/admin/engagement/report.json", {"week": week, "school": other.code}).status_code == 404
    export = client.get("/admin/engagement/export/", {"week": week, "format": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    codes = [r[0] for r in book["参与情况"].iter_rows(min_row=3, values_only=True)]
    assert school.code in codes and other.code not in codes
    data = client.get("/admin/engagement/report.json", {"week": week}).json()
    assert [r["code"] for r in data["rows"]] == [school.code]
    refused = client.get("/admin/engagement/comments/")   # Wagtail turns a refusal into a redirect
    assert refused.status_code == 302 and "审核家长留言" not in refused.content.decode()
    client.force_login(editor_user)
    everyone = client.get("/admin/engagement/report.json", {"week": week}).json()
    assert {school.code, other.code} <= {r["code"] for r in everyone["rows"]}
    client.logout()
    assert client.get("/admin/engagement/report.json", {"week": week}).status_code == 302


@pytest.mark.django_db
def test_demo_week_fills_the_dashboard_once(editor_client):
    from engagement.models import WeeklyLecture

    call_command("engagement_demo")
    count = RawEvent.objects.count()
    assert count > 1000 and WeeklyLecture.objects.exists()
    call_command("engagement_demo")
    assert RawEvent.objects.count() == count
    page = editor_client.get("/admin/engagement/")
    html = page.content.decode()
    assert page.status_code == 200 and "各校参与情况" in html and 'id="engagement-charts"' in html
    assert "/static/engagement/echarts.min.js" in html
    charts = page.context["charts"]
    assert charts["funnel"][0]["value"] > 0 and sum(r["value"] for r in charts["ratings"]) > 0


@pytest.mark.django_db
def test_a_comment_shows_only_after_approval_and_as_text(editor_client, school_a):  # noqa: F811
    from engagement.models import Comment

    school = school_a.school
    comment = Comment.objects.create(event_key="x:1", school=school, page_id=live_lessons(1)[0], kind=kinds.RATING,
                                     value=1, text="<script>alert(1)</script>很有用")
    assert "很有用" not in editor_client.get("/admin/engagement/").content.decode()
    queue = editor_client.get("/admin/engagement/comments/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;很有用" in queue and "<script>alert(1)" not in queue
    editor_client.post(f"/admin/engagement/comments/{comment.pk}/", {"action": "approve"})
    shown = editor_client.get("/admin/engagement/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;很有用" in shown and "<script>alert(1)" not in shown
