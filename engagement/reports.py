"""The 督导 participation report, read from rollups only (never from raw events).

``participation(period, start, schools)`` returns plain data: one row per school (families
reached against 家庭数, started, watched ≥ 50 %/≥ 90 %, checked in, ratings), per class when one
school is asked for, and the lessons parents watched most (人次). ``write_csv``/``write_xlsx``
write it as the district files it.
"""

from __future__ import annotations

import csv
import io

from django.db.models import Sum

from . import kinds
from .models import Rollup
from .periods import span, term_label, week_label

ALL = -1
COLUMNS = [
    ("code", "学校编码"), ("school", "学校"), ("klass", "班级"), ("families", "家庭数"),
    ("reached", "触达家庭"), ("rate", "参与率"), ("viewers", "打开课程的家庭"), ("started", "开始观看"),
    ("watched50", "看完一半"), ("watched90", "看完 90%"), ("checkins", "作业打卡"),
    ("good", "有帮助"), ("ok", "一般"), ("bad", "没帮助"), ("satisfaction", "满意度"),
]
MEASURES = {"reached": kinds.ANY, "viewers": kinds.VIEW, "started": kinds.PLAY, "watched50": kinds.WATCH50,
            "watched90": kinds.WATCH90, "checkins": kinds.CHECKIN}
RATING_MEASURES = {"good": kinds.RATE_GOOD, "ok": kinds.RATE_OK, "bad": kinds.RATE_BAD}


def percent(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "—"


def title_of(period, start):
    first, last = span(period, start)
    name = f"{week_label(start)} 周" if period == "W" else term_label(start)
    return f"家长参与情况 · {name}({first:%Y-%m-%d} 至 {last:%Y-%m-%d})"


def _figures(rows):
    """{measure: (events, devices)} -> one report row's numbers."""
    out = {name: rows.get(m, (0, 0))[1] for name, m in MEASURES.items()}
    out.update({name: rows.get(m, (0, 0))[0] for name, m in RATING_MEASURES.items()})
    rated = out["good"] + out["ok"] + out["bad"]
    out["satisfaction"] = percent(out["good"], rated)
    return out


def participation(period, start, schools=None):
    """``schools``: School queryset or list the reader may see (None: every school)."""
    from cms.topics.models import School

    school_list = list(School.objects.all() if schools is None else School.objects.filter(pk__in=[
        s.pk if hasattr(s, "pk") else s for s in schools]))
    ids = [s.pk for s in school_list]
    rollups = Rollup.objects.filter(period=period, start=start, school_id__in=ids)
    by_school, by_class = {}, {}
    for school_id, klass, measure, events, devices in rollups.values_list(
            "school_id", "klass", "measure", "events", "devices"):
        target = by_school.setdefault(school_id, {}) if klass == ALL else by_class.setdefault((school_id, klass), {})
        target[measure] = (events, devices)
    rows, classes = [], []
    for school in school_list:
        figures = _figures(by_school.get(school.pk, {}))
        rows.append({"code": school.code, "school": school.name, "klass": "全校", "families": school.families,
                     **figures, "rate": percent(figures["reached"], school.families)})
        for (school_id, klass), measures in sorted(by_class.items()):
            if school_id == school.pk:
                figures = _figures(measures)
                classes.append({"code": school.code, "school": school.name,
                                "klass": f"{klass} 班" if klass else "未注明班级", "families": "",
                                **figures, "rate": "—"})
    totals = {name: sum(r[name] for r in rows) for name in (*MEASURES, *RATING_MEASURES)}
    families = sum(s.families for s in school_list)
    total = {"code": "", "school": "合计", "klass": "", "families": families, **totals,
             "rate": percent(totals["reached"], families),
             "satisfaction": percent(totals["good"], totals["good"] + totals["ok"] + totals["bad"])}
    return {"title": title_of(period, start), "period": period, "start": start, "columns": COLUMNS,
            "rows": rows, "total": total, "classes": classes, "lessons": top_lessons(period, start, ids)}


def top_lessons(period, start, school_ids, limit=20):
    """Pages by 人次 (sum of each day's distinct devices) that started and finished them."""
    from wagtail.models import Page

    first, last = span(period, start)
    daily = (Rollup.objects.filter(period="D", start__gte=first, start__lte=last, school_id__in=school_ids,
                                   measure__in=[kinds.PLAY, kinds.WATCH90, kinds.CHECKIN])
             .values("page_id", "measure").annotate(n=Sum("devices")).order_by())
    pages = {}
    for row in daily:
        pages.setdefault(row["page_id"], {})[row["measure"]] = row["n"]
    titles = dict(Page.objects.filter(pk__in=pages).values_list("pk", "title"))
    lessons = [{"page_id": pk, "title": titles.get(pk, f"已删除的页面 {pk}"), "started": m.get(kinds.PLAY, 0),
                "watched90": m.get(kinds.WATCH90, 0), "checkins": m.get(kinds.CHECKIN, 0)} for pk, m in pages.items()]
    lessons.sort(key=lambda r: (-r["started"], -r["watched90"], r["page_id"]))
    return lessons[:limit]


LESSON_COLUMNS = [("title", "课程"), ("started", "开始观看(人次)"), ("watched90", "看完 90%(人次)"),
                  ("checkins", "作业打卡(人次)")]


def _table(report):
    yield [report["title"]]
    yield [label for _, label in report["columns"]]
    for row in [*report["rows"], report["total"], *report["classes"]]:
        yield [row[key] for key, _ in report["columns"]]


def write_csv(report, out):
    """CSV in UTF-8 with a BOM, so Excel opens the Chinese text right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _table(report):
        writer.writerow([_cell(v) for v in line])
    writer.writerow([])
    writer.writerow([label for _, label in LESSON_COLUMNS])
    for lesson in report["lessons"]:
        writer.writerow([_cell(lesson[key]) for key, _ in LESSON_COLUMNS])
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    out.write(data)
    return len(data)


def write_xlsx(report, out):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "参与情况"
    for line in _table(report):
        sheet.append([_cell(v) for v in line])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for column, width in zip("ABCDEFGHIJKLMNO", (10, 24, 12, 8, 10, 8, 14, 10, 10, 10, 10, 8, 8, 8, 8), strict=True):
        sheet.column_dimensions[column].width = width
    lessons = book.create_sheet("课程排行")
    lessons.append([label for _, label in LESSON_COLUMNS])
    for lesson in report["lessons"]:
        lessons.append([_cell(lesson[key]) for key, _ in LESSON_COLUMNS])
    lessons.column_dimensions["A"].width = 40
    book.save(out)


def _cell(value):
    """Text that a spreadsheet would read as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
