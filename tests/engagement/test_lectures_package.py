"""The 本周家长课 schedule and its groups of schools travel in curriculum packages
(``lectures.yaml``): export → import → export gives the same bytes, and a broken schedule is
refused with Chinese messages naming the item."""

import datetime
import shutil

import pytest
from django.core.management import call_command

from curricula import yamlio
from curricula.importer import check_package


def schedule():
    from cms.catalogue.models import LessonPage, MicroLessonPage
    from cms.taxonomy.models import Stage
    from cms.topics.models import School
    from engagement.models import SchoolGroup, WeeklyLecture

    stages = list(Stage.objects.order_by("sort_order", "pk")[:2])
    lesson = LessonPage.objects.live().order_by("path").first()
    micro = MicroLessonPage.objects.live().order_by("path").first()
    group = SchoolGroup.objects.create(name="乡镇学校")
    group.schools.set(School.objects.order_by("code")[:2])
    week = datetime.date(2026, 11, 23)
    WeeklyLecture.objects.create(week=week, stage=stages[0], page=lesson, note="周末和孩子一起看。")
    WeeklyLecture.objects.create(week=week, stage=stages[0], group=group, page=micro)
    WeeklyLecture.objects.create(week=week + datetime.timedelta(weeks=1), stage=stages[1], page=micro)
    return group


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.django_db
def test_schedule_export_import_export_is_byte_identical(tmp_path):
    from engagement.models import SchoolGroup, WeeklyLecture

    schedule()
    first = tmp_path / "first"
    call_command("export_curriculum", str(first))
    data = yamlio.loads((first / "lectures.yaml").read_text(encoding="utf-8"))
    assert data["groups"][0]["name"] == "乡镇学校" and len(data["groups"][0]["schools"]) == 2
    assert [lecture.get("group") for lecture in data["lectures"]] == [None, "乡镇学校", None]
    assert data["lectures"][0]["note"] == "周末和孩子一起看。" and data["lectures"][0]["page"].count("/") == 2
    assert data["lectures"][1]["page"].count("/") == 1   # a micro-lesson: studio/micro

    WeeklyLecture.objects.all().delete()
    SchoolGroup.objects.all().delete()
    call_command("import_curriculum", str(first))
    assert WeeklyLecture.objects.count() == 3
    assert list(SchoolGroup.objects.get().schools.values_list("code", flat=True).order_by("code")) == \
        data["groups"][0]["schools"]
    second = tmp_path / "second"
    call_command("export_curriculum", str(second))
    assert files(second) == files(first)


@pytest.mark.django_db
def test_a_broken_schedule_is_refused_with_chinese_messages(tmp_path, demo_package):
    package = tmp_path / "package"
    shutil.copytree(demo_package, package)
    (package / "lectures.yaml").write_text(yamlio.dumps({
        "groups": [{"name": "乡镇学校", "schools": ["S001", "S999"]}],
        "lectures": [
            {"week": "2026-11-24", "stage": "kindergarten", "page": "no-such-studio/no-course/no-lesson"},
            {"week": "2026-11-23", "stage": "no-stage", "group": "城区学校", "page": "x/y"},
        ],
    }), encoding="utf-8")
    _, problems = check_package(package)
    messages = [str(p) for p in problems]
    assert "lectures.yaml › groups[0] (乡镇学校) › 未知的学校编码「S999」。" in messages
    assert "lectures.yaml › lectures[0] (2026-11-24) › week 应是一周的周一:「2026-11-24」是星期二。" in messages
    assert ("lectures.yaml › lectures[0] (2026-11-24) › 找不到课或微课「no-such-studio/no-course/no-lesson」"
            "(写法:工作室/课程/课 或 工作室/微课)。") in messages
    assert "lectures.yaml › lectures[1] (2026-11-23) › 未知的学段编码「no-stage」。" in messages
    assert "lectures.yaml › lectures[1] (2026-11-23) › 未知的学校分组「城区学校」。" in messages
