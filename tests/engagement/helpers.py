"""Shared helpers for the participation tests: real schools and live lesson pages of the demo."""

import itertools
import json
import secrets
import time

_ids = itertools.count(1)


def live_lessons(n=3):
    from cms.catalogue.models import LessonPage
    from cms.studios.public import visible_to_public

    return list(visible_to_public(LessonPage.objects.all()).order_by("pk").values_list("pk", flat=True)[:n])


def device():
    return secrets.token_hex(16)


def event(kind, page, **extra):
    return {"id": f"e{next(_ids)}", "kind": kind, "page": page, "t": int(time.time() * 1000), **extra}


def batch(dev, school, events, klass=None):
    data = {"device": dev, "school": school, "events": events}
    if klass is not None:
        data["class"] = klass
    return json.dumps(data)


def make_survey(slug="jiating-jiaoyu", published=True):
    """A published survey with one question of each kind (Chinese labels), as an editor builds it."""
    from engagement.models import Survey, SurveyQuestion

    survey = Survey(title="家庭教育需求问卷", slug=slug, intro="请根据您家的情况填写。", published=published)
    survey.questions = [
        SurveyQuestion(label="孩子在哪个学段?", kind="single", choices="幼儿园\n小学\n初中", required=True),
        SurveyQuestion(label="您最想学习哪些内容?", kind="multiple", choices="亲子沟通\n学习习惯\n手机管理\n情绪管理",
                       required=True),
        SurveyQuestion(label="您对本学期家长课满意吗?", kind="scale", required=True),
        SurveyQuestion(label="您在家庭教育中遇到的最大困难是什么?", kind="text", required=False),
    ]
    survey.save()
    return survey


def survey_event(survey, answers, **extra):
    return {"id": f"s{next(_ids)}", "kind": "survey", "survey": survey.pk, "answers": answers,
            "t": int(time.time() * 1000), **extra}


def answers_for(survey, single=1, multiple=(0, 2), scale=5, text=None):
    q = {question.kind: str(question.pk) for question in survey.questions.all()}
    out = {q["single"]: single, q["multiple"]: list(multiple), q["scale"]: scale}
    if text is not None:
        out[q["text"]] = text
    return out
