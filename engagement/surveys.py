"""问卷 results, read from the rollup's tallies (``SurveyTally``), never from the answer sets;
open-text answers are listed (plain text) with their problem tags. ``schools``: the schools the
reader may see — None for an editor (every answer, those without a school too); a school admin
gets the open answers an editor has approved."""

from __future__ import annotations

import csv
import io

from django.db.models import Sum

from .models import SurveyTally, SurveyTextAnswer
from .reports import _cell, percent

MAX_TEXTS = 500


def results(survey, schools=None):
    tallies = SurveyTally.objects.filter(survey=survey)
    texts = SurveyTextAnswer.objects.filter(response__survey=survey)
    if schools is not None:
        ids = [s.pk for s in schools]
        tallies, texts = tallies.filter(school_id__in=ids), texts.filter(school_id__in=ids, approved=True)
    counts = {(row["question_id"], row["option"]): row["n"]
              for row in tallies.values("question_id", "option").annotate(n=Sum("count")).order_by()}
    total = counts.get((None, -1), 0)
    questions = []
    for question in survey.questions.all():
        answered = counts.get((question.pk, -1), 0)
        entry = {"id": question.pk, "label": question.label, "kind": question.kind,
                 "kind_label": question.get_kind_display(), "required": question.required, "answered": answered,
                 "options": []}
        if question.kind == "scale":
            scores = [(int(o), counts.get((question.pk, int(o)), 0)) for o in question.options]
            entry["options"] = [{"label": f"{score} 分", "count": n, "share": percent(n, answered)} for score, n in scores]
            entry["average"] = f"{sum(s * n for s, n in scores) / answered:.2f}" if answered else "—"
        elif question.kind != "text":
            entry["options"] = [{"label": label, "count": counts.get((question.pk, i), 0),
                                 "share": percent(counts.get((question.pk, i), 0), answered)}
                                for i, label in enumerate(question.options)]
        else:
            entry["texts"] = list(texts.filter(question=question).select_related("school")
                                  .prefetch_related("problems").order_by("pk")[:MAX_TEXTS])
        questions.append(entry)
    return {"survey": survey, "title": f"问卷结果 · {survey.title}", "responses": total, "questions": questions}


def _rows(report):
    yield [report["title"]]
    yield ["答卷数", report["responses"]]
    yield []
    yield ["题目", "题型", "选项", "人数", "占比"]
    for q in report["questions"]:
        if q["kind"] == "text":
            yield [q["label"], q["kind_label"], "(回答人数)", q["answered"], ""]
            for text in q["texts"]:
                codes = " ".join(p.code for p in text.problems.all())
                yield ["", "", text.text, "", codes]
            continue
        for option in q["options"]:
            yield [q["label"], q["kind_label"], option["label"], option["count"], option["share"]]
        if q["kind"] == "scale":
            yield [q["label"], q["kind_label"], "平均分", q["average"], ""]


def write_csv(report, out):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(report):
        writer.writerow([_cell(v) for v in row])
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    out.write(data)
    return len(data)


def write_xlsx(report, out):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "问卷结果"
    for row in _rows(report):
        sheet.append([_cell(v) for v in row])
    sheet["A1"].font = Font(bold=True, size=14)
    for column, width in zip("ABCDE", (36, 10, 40, 8, 10), strict=True):
        sheet.column_dimensions[column].width = width
    book.save(out)


def site_data(survey):
    """What the static page needs (the published survey's questions, nothing else)."""
    return {"id": survey.pk, "slug": survey.slug, "title": survey.title, "intro": survey.intro,
            "closes_on": survey.closes_on.isoformat() if survey.closes_on else "",
            "questions": [{"id": q.pk, "label": q.label, "kind": q.kind, "required": q.required,
                           "options": q.options} for q in survey.questions.all()]}
