"""End to end in Debian's chromium: a published 问卷 on the built parent site (served on
localhost), answered by parents on phones through the real ingest endpoint of a gunicorn server;
after the rollup the results show in the admin with charts, for the editor (every answer) and
the school admin (their school's). Also writes what the lead cites for issue 13 into
test-artifacts/engagement/: the dashboard (desktop + phone) and 本周家长课 on a phone from the
demo's synthetic week, the survey results, and an example XLSX report."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.admin_ux.conftest import admin_server, browser, live_db, login, role_users  # noqa: F401
from tests.site.conftest import serve

from .helpers import make_survey

pytestmark = [pytest.mark.slow, live_db]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "engagement"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
QUEUE = "JSON.parse(localStorage.getItem('gongyu:engagement:queue') || '[]')"


def answer(tab, url, text=None):
    tab.goto(url, wait_until="load")
    form = tab.locator("[data-gy-survey]")
    form.get_by_role("button", name="提交问卷").click()
    assert tab.locator(".gy-survey__error").inner_text() == "请回答第 1 题。"
    form.get_by_label("小学").check()
    form.get_by_label("亲子沟通").check()
    form.get_by_label("手机管理").check()
    tab.locator("[data-kind=scale] input[value='4']").check()
    if text:
        tab.locator("[data-kind=text] textarea").fill(text)
    form.get_by_role("button", name="提交问卷").click()
    assert tab.locator(".gy-survey__done").inner_text() == "提交成功,谢谢您的参与!"
    tab.wait_for_function(f"{QUEUE}.length === 0", timeout=60000)


def test_parents_answer_a_published_survey_and_the_admin_shows_the_results(admin_server, browser, role_users,
                                                                           tmp_path):
    from cms.publishing.api import publish
    from engagement.models import SurveyResponse, SurveyTextAnswer
    from engagement.periods import monday, week_label
    from engagement.rollup import run_rollup

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    school = role_users["school"].school
    call_command("engagement_demo")   # a synthetic week (and this week's lectures) for the dashboard
    survey = make_survey()
    make_survey(slug="caogao", published=False)
    # A group of schools with its own lecture this week: the school's link shows it instead of
    # the all-schools one of the same 学段.
    from cms.catalogue.models import MicroLessonPage
    from cms.studios.public import visible_to_public
    from engagement.models import SchoolGroup, WeeklyLecture

    everyone = WeeklyLecture.objects.filter(week=monday(timezone.localdate()), group=None).select_related("stage")[0]
    group = SchoolGroup.objects.create(name="乡镇学校")
    group.schools.add(school)
    special = visible_to_public(MicroLessonPage.objects.exclude(pk=everyone.page_id)).order_by("pk")[0]
    WeeklyLecture.objects.create(week=everyone.week, stage=everyone.stage, group=group, page=special, note="乡镇学校本周看这一节。")
    endpoint = admin_server + "/api/engagement/events/"
    out = tmp_path / "site"
    with override_settings(GONGYU_ENGAGEMENT_URL=endpoint):
        publish(out, full=True)
    page_html = (out / "surveys/jiating-jiaoyu/index.html").read_text()
    assert "家庭教育需求问卷" in page_html and f'data-endpoint="{endpoint}"' in page_html
    assert not (out / "surveys/caogao").exists()   # a draft survey is never on the site
    school_page = (out / f"weekly/schools/{school.code.lower()}/index.html").read_text()
    assert f"/surveys/jiating-jiaoyu/?s={school.code}" in school_page and "caogao" not in school_page
    assert (out / f"weekly/schools/{school.code.lower()}/survey-jiating-jiaoyu.svg").read_text().startswith("<svg")

    errors = []
    with serve(out) as site_url:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        tab = context.new_page()
        tab.on("pageerror", lambda e: errors.append(str(e)))
        answer(tab, f"{site_url}/surveys/jiating-jiaoyu/?s={school.code}", text="<b>孩子总玩手机</b>怎么办")
        tab.screenshot(path=str(ARTIFACTS / "survey-answered-phone.png"), full_page=True)
        tab.reload(wait_until="load")
        assert tab.locator(".gy-survey__done").inner_text() == "您已经填过这份问卷,谢谢!"
        tab.goto(f"{site_url}/weekly/", wait_until="load")   # the school is remembered from its link
        slot = f"[data-gy-slot='{everyone.week.isoformat()}:{everyone.stage.code}']"
        assert tab.locator(f"{slot}[data-gy-group]").is_visible()
        assert tab.locator(f"{slot}[data-gy-group] a").inner_text() == special.title
        assert not tab.locator(f"{slot}:not([data-gy-group])").is_visible()
        # Parents read their school's name, never its code.
        assert tab.locator("[data-gy-school-name]").inner_text() == school.name
        tab.screenshot(path=str(ARTIFACTS / "weekly-phone.png"), full_page=True)
        context.close()
        other = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        tab = other.new_page()
        tab.on("pageerror", lambda e: errors.append(str(e)))
        answer(tab, f"{site_url}/surveys/jiating-jiaoyu/")   # a link without a school code
        tab.goto(f"{site_url}/weekly/", wait_until="load")      # no school: the all-schools lecture
        assert tab.locator(f"{slot}:not([data-gy-group])").is_visible()
        assert not tab.locator(f"{slot}[data-gy-group]").is_visible()
        other.close()
    assert errors == []
    assert SurveyResponse.objects.count() == 2
    assert SurveyResponse.objects.filter(school=school).count() == 1
    assert SurveyTextAnswer.objects.get().text == "<b>孩子总玩手机</b>怎么办"

    run_rollup(now=timezone.now() + datetime.timedelta(seconds=30))
    results = admin_server + f"/admin/engagement/surveys/{survey.pk}/"
    context, tab = login(browser, admin_server, "ux_editor", DESKTOP)
    tab.goto(results, wait_until="networkidle")
    assert tab.locator("[data-responses]").inner_text() == "答卷数:2"
    assert tab.locator("[id^=survey-chart-] canvas").count() == 3   # single, multiple, scale
    assert tab.locator("[data-text]").inner_text() == "<b>孩子总玩手机</b>怎么办"   # shown as text
    tab.screenshot(path=str(ARTIFACTS / "survey-results-desktop.png"), full_page=True)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        tab.set_viewport_size(viewport)
        tab.goto(admin_server + "/admin/engagement/", wait_until="networkidle")
        assert tab.locator("#chart-funnel canvas").count() == 1
        tab.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
    context.close()

    context, tab = login(browser, admin_server, "ux_school", DESKTOP)
    tab.goto(results, wait_until="networkidle")
    assert tab.locator("[data-responses]").inner_text() == "答卷数:1"
    context.close()

    week = week_label(monday(timezone.localdate()))
    call_command("participation_report", "--week", week, "--format", "xlsx",
                 "--out", str(ARTIFACTS / "participation-demo.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(ARTIFACTS / "participation-demo.xlsx").active
    assert sheet["A1"].value.startswith(f"家长参与情况 · {week} 周")
    assert sheet["B2"].value == "学校"
