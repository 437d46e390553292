"""问卷: an editor builds a questionnaire in the admin; parents' answers come through the ingest
endpoint (without an account, one answer set per device, plain text, hostile input refused);
the rollup counts them; editors read the results with charts, export CSV/XLSX and tag open
answers with problems; a school admin sees only their own school's answers."""

import datetime
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from engagement.ingest import catalogue
from engagement.models import Survey, SurveyResponse, SurveyTextAnswer
from engagement.rollup import run_rollup
from tests.security.roles import (  # noqa: F401  (fixtures)
    PASSWORD,
    editor_user,
    school_a,
    school_admin_a,
    school_b,
)

from .helpers import answers_for, device, make_survey, survey_event

URL = "/api/engagement/events/"


def later():
    return timezone.now() + datetime.timedelta(seconds=30)


def send(client, dev, events, school=None):
    data = {"device": dev, "events": events}
    if school:
        data["school"] = school
    response = client.post(URL, json.dumps(data), content_type="text/plain")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def survey(db):
    survey = make_survey()
    catalogue.refresh(force=True)
    return survey


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_editor_builds_a_survey_in_the_admin_and_a_school_admin_cannot(client, editor_user, school_admin_a):
    form = {
        "title": "家长满意度调查", "slug": "manyidu", "intro": "匿名填写。", "published": "on", "closes_on": "",
        "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "40",
        "questions-0-label": "您对家长课满意吗?", "questions-0-kind": "scale", "questions-0-choices": "",
        "questions-0-required": "on", "questions-0-ORDER": "1", "questions-0-id": "", "questions-0-DELETE": "",
        "questions-1-label": "孩子的学段", "questions-1-kind": "single", "questions-1-choices": "小学",
        "questions-1-required": "on", "questions-1-ORDER": "2", "questions-1-id": "", "questions-1-DELETE": "",
    }
    add = "/admin/snippets/engagement/survey/add/"
    client = logged_in(client, editor_user)
    page = client.get(add).content.decode()
    assert "题型" in page and "必答" in page and "单选" in page and "打分(1–5)" in page
    response = client.post(add, form)
    assert response.status_code == 200
    assert "单选、多选题至少要有两个选项,每行一个。" in response.content.decode()
    form["questions-1-choices"] = "小学\n初中"
    response = client.post(add, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get(slug="manyidu")
    assert [(q.kind, q.options) for q in survey.questions.all()] == [("scale", ["1", "2", "3", "4", "5"]),
                                                                      ("single", ["小学", "初中"])]
    client.logout()
    client = logged_in(client, school_admin_a)
    form["slug"] = "other"
    assert client.post(add, form).status_code in (302, 403)
    assert not Survey.objects.filter(slug="other").exists()


@pytest.mark.django_db
def test_answers_are_stored_once_per_device_and_hostile_answers_refused(client, survey, school_a):
    code = school_a.school.code
    good = answers_for(survey, text="<script>alert(1)</script>孩子\u202e玩手机 \n 太多")
    parent = device()
    # A valid answer set and hostile ones in the same batch: the valid one is counted.
    q = {question.kind: str(question.pk) for question in survey.questions.all()}
    hostile = [
        survey_event(survey, answers_for(survey, single=3)),                    # option out of range
        survey_event(survey, answers_for(survey, single=True)),                 # a bool is not an option
        survey_event(survey, answers_for(survey, scale=6)),                     # scale is 1–5
        survey_event(survey, answers_for(survey, multiple=(1, 1))),             # a repeated option
        survey_event(survey, {q["single"]: 0}),                                 # required questions unanswered
        survey_event(survey, {**answers_for(survey), "999999": 1}),             # unknown question
        survey_event(survey, answers_for(survey, text="长" * 501)),             # text too long
        survey_event(survey, answers_for(survey, text={"html": "<b>x</b>"})),   # not plain text
        {"id": "x1", "kind": "survey", "survey": 999999, "answers": answers_for(survey)},   # unknown survey
        {"id": "x2", "kind": "survey", "survey": survey.pk, "answers": "all"},
    ]
    outcome = send(client, parent, [*hostile, survey_event(survey, good)], school=code)
    assert outcome == {"accepted": 1, "duplicate": 0, "dropped": len(hostile), "capped": 0}
    # The same device answering again (a new id) or resending: one answer set per device.
    assert send(client, parent, [survey_event(survey, answers_for(survey, single=0))], school=code)["duplicate"] == 1
    # Without a school code in the link the answer counts too (for editors only).
    assert send(client, device(), [survey_event(survey, answers_for(survey, single=2, scale=3))])["accepted"] == 1
    # An unpublished survey takes no answers.
    draft = make_survey(slug="caogao", published=False)
    catalogue.refresh(force=True)
    assert send(client, device(), [survey_event(draft, answers_for(draft))])["dropped"] == 1

    stored = SurveyResponse.objects.get(device=parent)
    assert stored.school_id == school_a.school_id and stored.answers[q["single"]] == 1
    assert SurveyResponse.objects.count() == 2
    text = SurveyTextAnswer.objects.get()
    assert text.text == "<script>alert(1)</script>孩子 玩手机 太多"   # plain text, one line, no direction marks


@pytest.mark.django_db
def test_results_after_the_rollup_with_charts_export_tags_and_school_scoping(
        client, survey, editor_user, school_admin_a, school_a, school_b):
    from cms.taxonomy.models import Problem

    a, b = school_a.school, school_b.school
    send(client, device(), [survey_event(survey, answers_for(survey, single=0, scale=5, text="作业辅导很难"))], a.code)
    send(client, device(), [survey_event(survey, answers_for(survey, single=1, scale=4, text="还没审核的话"))], a.code)
    send(client, device(), [survey_event(survey, answers_for(survey, single=1, scale=2, text="别的学校的话"))], b.code)
    send(client, device(), [survey_event(survey, answers_for(survey, single=2, scale=1))])
    url = f"/admin/engagement/surveys/{survey.pk}/"

    editor = logged_in(client, editor_user)
    assert "答卷数:<strong>0</strong>" in editor.get(url).content.decode()   # not counted before the rollup
    assert run_rollup(now=later())["surveys"] == 1
    page = editor.get(url).content.decode()
    assert "答卷数:<strong>4</strong>" in page and "echarts.min.js" in page and 'id="survey-chart-' in page
    assert "4 人回答;平均 3.00 分" in page
    assert "作业辅导很难" in page and "别的学校的话" in page
    answer = SurveyTextAnswer.objects.get(text="作业辅导很难")
    problem = Problem.objects.order_by("code").first()
    response = editor.post(f"/admin/engagement/surveys/answers/{answer.pk}/tag/",
                           {"problems": [problem.pk], "approved": "on"})
    assert response.status_code == 302
    assert list(answer.problems.all()) == [problem]
    answer.refresh_from_db()
    assert answer.approved
    workbook = load_workbook(io.BytesIO(editor.get(url + "export/?format=xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "问卷结果 · 家庭教育需求问卷" and rows[1] == ("答卷数", 4, None, None, None)
    assert ("孩子在哪个学段?", "单选", "小学", 2, "50.0%") in rows
    assert (None, None, "作业辅导很难", None, problem.code) in rows
    editor.logout()

    school = logged_in(client, school_admin_a)
    page = school.get(url).content.decode()
    assert "答卷数:<strong>2</strong>" in page and "作业辅导很难" in page and "别的学校的话" not in page
    assert "还没审核的话" not in page   # open answers reach the school once an editor approved them
    assert school.get(url + f"?school={b.code}").status_code == 404
    assert school.get(url + f"export/?format=csv&school={b.code}").status_code == 404
    csv_text = school.get(url + "export/?format=csv").content.decode("utf-8-sig")
    assert "答卷数,2" in csv_text and "别的学校的话" not in csv_text and "还没审核的话" not in csv_text
    # Wagtail answers a denied admin request by a redirect to the dashboard with a message.
    assert school.post(f"/admin/engagement/surveys/answers/{answer.pk}/tag/", {"problems": []}).status_code in (302, 403)
    assert list(answer.problems.all()) == [problem]
    listing = school.get("/admin/engagement/surveys/").content.decode()
    assert "家庭教育需求问卷" in listing
    assert school.get(f"/admin/engagement/surveys/{make_survey(slug='weifabu', published=False).pk}/").status_code == 404
