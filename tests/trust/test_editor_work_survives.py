"""Nothing an editor did is undone by loading the demo again or re-importing a package.

``./gongyu setup`` runs ``import_curriculum curricula/demo --only-into-empty`` on every start;
the import's default mode adds only what never existed; ``--update`` lists every page it will
change and needs ``--yes``."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from wagtail.documents import get_document_model
from wagtail.models import Page

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
from cms.topics.models import TopicClaim
from curricula.api import import_package

pytestmark = pytest.mark.django_db


def editor_work():
    """Delete a lesson (and its video), unpublish a course, edit two lessons, attach a school's
    report to a claim. Returns what to check afterwards."""
    lessons = list(LessonPage.objects.live().order_by("path"))
    deleted = lessons[0]
    deleted_url, deleted_video = deleted.url_path, deleted.step("video_intro")["video"]
    deleted.delete()
    others = [lesson.step("video_intro")["video"].pk for lesson in LessonPage.objects.all()]
    others += list(MicroLessonPage.objects.values_list("video_id", flat=True))
    if deleted_video.pk not in others:
        deleted_video.delete()
    else:
        deleted_video = None
    course = CoursePage.objects.live().exclude(pk=lessons[0].get_parent().pk).order_by("path").last()
    course.unpublish()
    edited = []
    for n, lesson in enumerate(lessons[5:7]):
        lesson.title = f"编辑改过的课 {n}"
        lesson.save_revision().publish()
        edited.append(lesson.pk)
    claim = TopicClaim.objects.filter(report__isnull=True).exclude(status="withdrawn").order_by("pk").first()
    report = get_document_model().objects.create(
        title="学校上传的结题报告", file=ContentFile(b"%PDF-1.4 school report", name="school-report.pdf"))
    claim.report = report
    claim.save()
    return {"deleted_url": deleted_url, "deleted_video": deleted_video and deleted_video.key,
            "course": course.pk, "edited": edited, "claim": claim.pk, "report": report.pk}


def assert_survives(work):
    from transcoding.api import VideoAsset

    assert not Page.objects.filter(url_path=work["deleted_url"]).exists()
    if work["deleted_video"]:
        assert not VideoAsset.objects.filter(key=work["deleted_video"]).exists()
    assert not Page.objects.get(pk=work["course"]).live
    for n, pk in enumerate(work["edited"]):
        assert LessonPage.objects.get(pk=pk).title == f"编辑改过的课 {n}"
    assert TopicClaim.objects.get(pk=work["claim"]).report_id == work["report"]


def test_setup_twice_around_editor_work_keeps_every_edit(demo_package, capsys):
    work = editor_work()
    pages = Page.objects.count()
    call_command("import_curriculum", str(demo_package), "--only-into-empty")   # what ./gongyu setup runs
    assert "数据库里已经有课程内容:不再导入课程包" in capsys.readouterr().out
    assert_survives(work)
    assert Page.objects.count() == pages


def test_reimporting_the_package_adds_nothing_back_and_overwrites_nothing(demo_package, capsys):
    work = editor_work()
    pages = Page.objects.count()
    report = import_package(demo_package)
    assert report.changed == 0, report.summary()
    assert report.counts[("五步教学法课", "deleted")] == 1
    assert report.counts[("五步教学法课", "kept")] >= 2
    assert_survives(work)
    assert Page.objects.count() == pages
    call_command("import_curriculum", str(demo_package))
    out = capsys.readouterr().out
    assert "按编辑的版本保留;要按课程包覆盖,请用 --update。" in out and "导入完成:没有任何改动。" in out


def test_update_lists_every_page_and_needs_yes(demo_package, capsys):
    work = editor_work()
    with pytest.raises(CommandError, match="请加 --yes 再运行"):
        call_command("import_curriculum", str(demo_package), "--update")
    out = capsys.readouterr().out
    assert "--update 将改动以下" in out
    assert work["deleted_url"] in out                                   # the deleted lesson, restored
    for pk in work["edited"]:
        assert LessonPage.objects.get(pk=pk).url_path in out            # the edited lessons
    assert Page.objects.get(pk=work["course"]).url_path in out          # the unpublished course
    assert_survives(work)                                               # nothing changed yet

    call_command("import_curriculum", str(demo_package), "--update", "--yes")
    assert Page.objects.filter(url_path=work["deleted_url"], live=True).exists()
    assert Page.objects.get(pk=work["course"]).live
    assert not LessonPage.objects.get(pk=work["edited"][0]).title.startswith("编辑改过的课")
    # Even --update never detaches the school's report from its claim.
    assert TopicClaim.objects.get(pk=work["claim"]).report_id == work["report"]


def test_a_moved_micro_lesson_is_not_imported_again(demo_package):
    micro = MicroLessonPage.objects.live().order_by("path").first()
    other_studio = micro.get_parent().get_siblings().exclude(pk=micro.get_parent().pk).first()
    micro.move(other_studio, pos="last-child")
    count = MicroLessonPage.objects.count()
    import_package(demo_package)
    assert MicroLessonPage.objects.count() == count
