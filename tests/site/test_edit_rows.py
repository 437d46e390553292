"""An edit reads only the rows it needs (issue 17 item 1): the rows one single-lesson publish
reads from the database do not grow with the catalogue. Measured with every SELECT counted
(``rowcount.rows_read``) at a catalogue and at one with four times as many generated lessons."""

import pytest

from cms.catalogue.models import CoursePage, LessonPage
from cms.publishing.api import publish

from .rowcount import rows_read
from .test_dependencies import add_lessons, page_path

pytestmark = pytest.mark.django_db


def one_edit(out, lesson, title):
    lesson.title = title
    lesson.save_revision().publish()
    with rows_read() as reads:
        edit = publish(out, pages=[lesson.pk])
    assert title in (out / page_path(lesson)).read_text()
    return edit, reads


def test_the_rows_an_edit_reads_do_not_grow_with_the_catalogue(tmp_path):
    courses = list(CoursePage.objects.live().order_by("path"))
    generated, edited = courses[0], courses[-1]
    lesson = LessonPage.objects.child_of(edited).live().order_by("path").first().specific
    out = tmp_path / "site"
    measured = []
    for extra in (60, 180):   # 60 generated lessons, then 240 (4×)
        add_lessons(generated, extra, slug=f"batch{len(measured)}")
        publish(out, full=True)   # the catalogue's new pages live, spread over the cold search shards
        one_edit(out, lesson, f"第{len(measured) + 1}次预热:和孩子一起定计划")   # past the first edit after a full build
        edit, reads = one_edit(out, lesson, f"第{len(measured) + 1}次修改:和孩子一起定计划")
        assert not edit.full and 0 < len(edit.written) < 20
        measured.append(reads)
    small, big = measured
    pages = LessonPage.objects.live().count()
    # 180 more public lessons: a whole-table read (pages, summaries, files, dependencies) would
    # read at least 180 more rows; the edit reads the same rows.
    assert big.rows - small.rows < 30, (small.rows, big.rows, small.top(), big.top(), pages)
    assert big.queries <= small.queries + 3, (small.queries, big.queries)


def test_an_edit_uses_the_model_this_process_kept_unless_another_publish_came_between(tmp_path):
    """The worker publishes edit after edit and keeps the last publish's site model in memory
    (``sitemodel._RESIDENT``) instead of reading its file back; a publish by another process (a
    new stamp) must win over what this process holds."""
    import pickle

    from cms.publishing import publisher, sitemodel

    course = CoursePage.objects.live().order_by("path").first()
    sibling, lesson = (p.specific for p in LessonPage.objects.child_of(course).live().order_by("path")[:2])
    out = tmp_path / "site"
    publish(out, full=True)
    one_edit(out, lesson, "预热:和孩子一起定计划")
    _, normal = one_edit(out, lesson, "第一次修改:和孩子一起定计划")
    # Held in memory: without its file the next edit still reads only its own rows.
    model_file = out.parent / f".{out.name}.releases" / ".cache" / publisher.MODEL_FILE
    assert model_file.exists()
    model_file.unlink()
    edit, reads = one_edit(out, lesson, "第二次修改:和孩子一起定计划")
    assert not edit.full and reads.rows - normal.rows < 30, (normal.rows, reads.rows, reads.top())
    # Another process publishes the sibling: this process still holds the model from before it.
    stale = pickle.loads(pickle.dumps(dict(sitemodel._RESIDENT)))
    one_edit(out, sibling, "另一个进程改的标题")
    sitemodel._RESIDENT.clear()
    sitemodel._RESIDENT.update(stale)
    one_edit(out, lesson, "第三次修改:和孩子一起定计划")
    listing = (out / page_path(course)).read_text()
    assert "第三次修改:和孩子一起定计划" in listing and "另一个进程改的标题" in listing
