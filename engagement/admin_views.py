"""Admin pages of participation: the dashboard (charts), report downloads, a JSON report for
scripts, and the moderation of parents' comments. Every figure is limited to the schools the
user may see (``access.visible_schools``): a school admin gets their own school and nothing else."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import kinds, reports
from . import surveys as survey_results
from .access import is_editor, visible_schools
from .models import Comment, Survey, SurveyTally, SurveyTextAnswer
from .periods import BadPeriod, monday, parse_week, term_start, week_label


def _selection(request):
    """(period, start, schools, chosen school or None) from ?week=&term=&school= for this user."""
    schools = visible_schools(request.user)
    if not schools.exists():
        raise PermissionDenied
    week = request.GET.get("week") or week_label(monday(timezone.localdate()))
    try:
        start = parse_week(week)
    except BadPeriod:
        raise Http404 from None
    period = "T" if request.GET.get("term") else "W"
    if period == "T":
        start = term_start(start)
    chosen = None
    code = request.GET.get("school")
    if code:
        chosen = schools.filter(code=code).first()
        if chosen is None:
            raise Http404   # another school's figures: as if it did not exist
        schools = schools.filter(pk=chosen.pk)
    return period, start, list(schools), chosen, week


def _stage_totals(report_rows, schools):
    """Families reached per 学段 of the schools (a school with two stages counts in both)."""
    by_code = {row["code"]: row for row in report_rows}
    totals = {}
    for school in schools:
        for stage in school.stages.all():
            entry = totals.setdefault(stage.name, {"reached": 0, "families": 0})
            entry["reached"] += by_code[school.code]["reached"]
            entry["families"] += school.families
    return [{"stage": name, **values} for name, values in totals.items()]


def _cells(report, rows):
    return [[row[key] for key, _ in report["columns"]] for row in rows]


def dashboard(request):
    period, start, schools, chosen, week = _selection(request)
    report = reports.participation(period, start, schools)
    total = report["total"]
    charts = {
        "schools": [{"name": r["school"], "reached": r["reached"], "families": r["families"]} for r in report["rows"]],
        "funnel": [{"name": kinds.MEASURE_LABELS[m], "value": total[key]} for key, m in reports.MEASURES.items()],
        "ratings": [{"name": label, "value": total[key]} for key, label in (("good", "有帮助"), ("ok", "一般"), ("bad", "没帮助"))],
        "lessons": [{"name": lesson["title"], "started": lesson["started"], "watched90": lesson["watched90"]}
                    for lesson in report["lessons"][:10]],
        "stages": _stage_totals(report["rows"], [s for s in schools]),
    }
    comments = Comment.objects.filter(school__in=schools, status=Comment.Status.APPROVED)[:20]
    editor = is_editor(request.user)
    return TemplateResponse(request, "engagement/dashboard.html", {
        "report": report, "charts": charts, "table": _cells(report, report["rows"]),
        "total_row": _cells(report, [report["total"]])[0], "class_table": _cells(report, report["classes"]), "week": week, "term": period == "T", "chosen": chosen,
        "schools": visible_schools(request.user), "comments": comments, "editor": editor,
        "pending": Comment.objects.filter(status=Comment.Status.PENDING).count() if editor else 0,
    })


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _download(request, writers, report, stem):
    """``report`` as the ``?format=`` (xlsx by default, or csv) written by ``writers.write_<format>``."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        raise Http404
    buffer = io.BytesIO()
    getattr(writers, f"write_{fmt}")(report, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


def export(request):
    period, start, schools, chosen, week = _selection(request)
    report = reports.participation(period, start, schools)
    return _download(request, reports, report,
                     f"participation-{week}{'-term' if period == 'T' else ''}{'-' + chosen.code if chosen else ''}")


def report_json(request):
    period, start, schools, chosen, week = _selection(request)
    report = reports.participation(period, start, schools)
    report = dict(report, start=report["start"].isoformat(), columns=[list(c) for c in report["columns"]])
    return JsonResponse(report, json_dumps_params={"ensure_ascii": False})


def comments(request):
    if not is_editor(request.user):
        raise PermissionDenied
    pending = Comment.objects.filter(status=Comment.Status.PENDING).select_related("school")[:100]
    return TemplateResponse(request, "engagement/comments.html", {"pending": pending})


@require_POST
def moderate(request, pk):
    if not is_editor(request.user):
        raise PermissionDenied
    status = {"approve": Comment.Status.APPROVED, "reject": Comment.Status.REJECTED}.get(request.POST.get("action"))
    if status is None:
        raise Http404
    Comment.objects.filter(pk=pk).update(status=status)
    return redirect("engagement_comments")


# ---------------------------------------------------------------------------------------------
# 问卷 results: editors see every answer set; a school admin only those that came through their
# school's link (a survey link without a school code counts for editors only).

def _survey_scope(request):
    schools = visible_schools(request.user)
    if not schools.exists():
        raise PermissionDenied
    editor = is_editor(request.user)
    visible = Survey.objects.all() if editor else Survey.objects.filter(published=True)
    return schools, editor, visible


def survey_list(request):
    schools, editor, visible = _survey_scope(request)
    tallies = SurveyTally.objects.filter(question=None, option=-1)
    if not editor:
        tallies = tallies.filter(school__in=schools)
    counts = dict(tallies.values("survey_id").annotate(n=Sum("count")).values_list("survey_id", "n").order_by())
    rows = [{"survey": s, "responses": counts.get(s.pk, 0)} for s in visible]
    return TemplateResponse(request, "engagement/survey_list.html", {"rows": rows, "editor": editor})


def _survey_report(request, pk):
    schools, editor, visible = _survey_scope(request)
    survey = get_object_or_404(visible, pk=pk)
    scope, chosen = (None if editor else list(schools)), None
    code = request.GET.get("school")
    if code:
        chosen = schools.filter(code=code).first()
        if chosen is None:
            raise Http404   # another school's answers: as if it did not exist
        scope = [chosen]
    return survey_results.results(survey, scope), schools, editor, chosen


def survey_detail(request, pk):
    report, schools, editor, chosen = _survey_report(request, pk)
    charts = [{"id": q["id"], "label": q["label"], "kind": q["kind"],
               "options": [{"name": o["label"], "value": o["count"]} for o in q["options"]]}
              for q in report["questions"] if q["kind"] != "text"]
    from cms.taxonomy.models import Problem

    return TemplateResponse(request, "engagement/survey_results.html", {
        "report": report, "survey": report["survey"], "charts": charts, "editor": editor, "chosen": chosen,
        "schools": schools, "problems": Problem.objects.order_by("code") if editor else [],
    })


def survey_export(request, pk):
    report, schools, editor, chosen = _survey_report(request, pk)
    return _download(request, survey_results, report, f"survey-{report['survey'].slug}{'-' + chosen.code if chosen else ''}")


@require_POST
def tag_answer(request, pk):
    """An editor tags an open answer with problems (P001…): the district's problem list grows
    from parents' words."""
    if not is_editor(request.user):
        raise PermissionDenied
    from cms.taxonomy.models import Problem

    answer = get_object_or_404(SurveyTextAnswer.objects.select_related("response"), pk=pk)
    answer.problems.set(Problem.objects.filter(pk__in=[p for p in request.POST.getlist("problems") if p.isdigit()]))
    answer.approved = request.POST.get("approved") == "on"
    answer.save(update_fields=["approved"])
    messages.success(request, "已保存。")
    return redirect(reverse("engagement_survey", args=[answer.response.survey_id]) + f"#answer-{answer.pk}")
