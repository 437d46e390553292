"""本周家长课 in a curriculum package: ``lectures.yaml`` (optional) holds the groups of schools and
the weekly lecture schedule; pages are named by their slugs under the studio
("studio/course/lesson" or "studio/micro-lesson"). Exported only when there is a schedule, so
a package without one stays as it was; export → import → export gives the same bytes."""

from django.db.models import F

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioPage

from .serialize import compact


def page_reference(page):
    """"studio/course/lesson" or "studio/micro" for a lesson or micro-lesson page, else None."""
    specific = page.specific
    parent = page.get_parent()
    if isinstance(specific, LessonPage):
        studio = parent.get_parent() if parent else None
        return f"{studio.slug}/{parent.slug}/{page.slug}" if studio else None
    if isinstance(specific, MicroLessonPage) and parent:
        return f"{parent.slug}/{page.slug}"
    return None


def find_page(reference):
    parts = reference.split("/")
    studio = StudioPage.objects.filter(slug=parts[0]).first()
    if studio is None:
        return None
    if len(parts) == 2:
        return MicroLessonPage.objects.child_of(studio).filter(slug=parts[1]).first()
    course = CoursePage.objects.child_of(studio).filter(slug=parts[1]).first()
    return LessonPage.objects.child_of(course).filter(slug=parts[2]).first() if course else None


def export_lectures():
    """The lectures.yaml data, or None when there is no schedule and no group."""
    from engagement.models import SchoolGroup, WeeklyLecture

    groups = [{"name": g.name, "schools": sorted(s.code for s in g.schools.all())}
              for g in SchoolGroup.objects.prefetch_related("schools").order_by("name")]
    lectures = []
    rows = WeeklyLecture.objects.select_related("stage", "group", "page").order_by(
        "week", "stage__sort_order", "stage__code", F("group__name").asc(nulls_first=True))   # same on every database
    for lecture in rows:
        reference = page_reference(lecture.page)
        if reference is None:
            continue
        lectures.append(compact({"week": lecture.week.isoformat(), "stage": lecture.stage.code,
                                 "group": lecture.group.name if lecture.group_id else None,
                                 "page": reference, "note": lecture.note or None}))
    if not groups and not lectures:
        return None
    return compact({"groups": groups or None, "lectures": lectures or None})


def import_lectures(importer):
    """Groups and lectures of lectures.yaml, with the importer's rules (an editor's change is
    kept unless ``--update``)."""
    from cms.taxonomy.models import Stage
    from cms.topics.models import School
    from engagement.models import SchoolGroup, WeeklyLecture

    data = importer.package.lectures
    schools = {s.code: s for s in School.objects.all()}
    groups = {}
    for item in data.get("groups", []):
        group = importer.upsert(SchoolGroup, {"name": item["name"]}, {}, "学校分组")
        if group is not None:
            importer.set_m2m(group.schools, [schools[c] for c in item["schools"] if c in schools], "学校分组")
            groups[group.name] = group
    stages = {s.code: s for s in Stage.objects.all()}
    for item in data.get("lectures", []):
        page = find_page(item["page"])
        group = groups.get(item["group"]) or SchoolGroup.objects.filter(name=item["group"]).first() \
            if item.get("group") else None
        if page is None or item["stage"] not in stages or (item.get("group") and group is None):
            importer.report.note("本周家长课", "skipped")
            continue
        importer.upsert(WeeklyLecture, {"week": item["week"], "stage": stages[item["stage"]], "group": group},
                        {"page": page.page_ptr if hasattr(page, "page_ptr") else page, "note": item.get("note", "")},
                        "本周家长课")
