"""What participation adds to the parent site: the 本周家长课 panel on the home page, the
本周家长课 page, one page per school with its class links and a printable sheet of QR codes,
the published 问卷 (``/surveys/<slug>/``) and the privacy notice. ``cms.publishing.pages.plan`` calls ``extend_plan`` (one line there).

The school link is ``/weekly/?s=<school code>[&c=<class>]``: it never changes, so a sheet
printed once for the 家长会 keeps working; ``engagement.js`` remembers the school and class from
it and sends them with the events of every lesson the parent then opens.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

WEEKS_AHEAD = 3


def lectures(model, today=None):
    """This week's and the coming weeks' lectures whose page is live and public, by week."""
    from .models import WeeklyLecture
    from .periods import monday

    week = monday(today or timezone.localdate())
    last = week + datetime.timedelta(weeks=WEEKS_AHEAD)
    rows = (WeeklyLecture.objects.filter(week__gte=week, week__lte=last)
            .select_related("stage", "group").prefetch_related("group__schools")
            .order_by("week", "stage__sort_order", "stage__pk", "group__name"))
    weeks = {}
    for lecture in rows:
        node = model.nodes.get(lecture.page_id)
        if node is None:      # a draft, private or unpublished page is never announced
            continue
        # A group's lecture replaces the all-schools one of its week and 学段 for the group's
        # schools: engagement.js shows each school (from its link) only what is meant for it.
        weeks.setdefault(lecture.week, []).append({
            "stage": lecture.stage.name, "stage_code": lecture.stage.code, "note": lecture.note, "page": node.card(),
            "group": lecture.group.name if lecture.group_id else "",
            "schools": " ".join(sorted(s.code for s in lecture.group.schools.all())) if lecture.group_id else ""})
    return [{"week": w.isoformat(), "label": f"{w.month}月{w.day}日 这一周", "this_week": w == week, "items": items}
            for w, items in sorted(weeks.items())]


def schools():
    from cms.topics.models import School

    return [{"code": s.code, "name": s.name, "classes": s.class_count,
             "stages": [st.name for st in s.stages.all()]}
            for s in School.objects.prefetch_related("stages").order_by("code")]


def published_surveys():
    from .models import Survey
    from .surveys import site_data

    return [site_data(s) for s in Survey.objects.filter(published=True).prefetch_related("questions").order_by("pk")]


def extend_plan(model, outputs, output_class):
    """Add our outputs to the publishing plan (and this week's lectures to the home page)."""
    weekly = lectures(model)
    for output in outputs:
        if output.kind == "home":
            output.inputs["weekly"] = weekly[:2]
    crumbs = [{"title": "家长课程超市", "url": "/"}]
    school_list = schools()
    survey_list = published_surveys()
    outputs.append(output_class("weekly/index.html", "weekly", {
        "node": {"title": "本周家长课", "description": "每周一节家长课:学校组织家长在家收看,看完打卡。"},
        "crumbs": crumbs, "weekly": weekly, "schools": school_list}))
    for school in school_list:
        base = f"weekly/schools/{school['code'].lower()}/"
        links = [{"label": "全校", "url": f"/weekly/?s={school['code']}", "qr": f"/{base}qr-all.svg"}]
        links += [{"label": f"{n} 班", "url": f"/weekly/?s={school['code']}&c={n}", "qr": f"/{base}qr-{n}.svg"}
                  for n in range(1, school["classes"] + 1)]
        school_crumbs = [*crumbs, {"title": "本周家长课", "url": "/weekly/"}]
        # The school's own link to each published 问卷: its answers count for the school.
        school_surveys = [{"title": sv["title"], "url": f"/surveys/{sv['slug']}/?s={school['code']}",
                           "qr": f"/{base}survey-{sv['slug']}.svg"} for sv in survey_list]
        outputs.append(output_class(base + "index.html", "weekly_school", {
            "node": {"title": f"{school['name']} · 本周家长课链接", "description": "发到家长群的链接和家长会用的二维码。"},
            "crumbs": school_crumbs, "school": school, "links": links, "surveys": school_surveys}))
        for link in [*links, *school_surveys]:
            outputs.append(output_class(link["qr"].lstrip("/"), "qr", {"url": link["url"]}))
    for survey in survey_list:
        outputs.append(output_class(f"surveys/{survey['slug']}/index.html", "survey", {
            "node": {"title": survey["title"], "description": (survey["intro"] or "家长问卷")[:120]},
            "crumbs": crumbs, "survey": survey}))
    outputs.append(output_class("privacy/index.html", "privacy", {
        "node": {"title": "隐私说明", "description": "家长课程网站收集哪些数据、为什么收集、保存多久。"},
        "crumbs": crumbs}))
    return outputs
