"""``./gongyu setup`` twice around editor work, as an operator runs it (a real subprocess with a
private ``GONGYU_VAR_DIR``): an editor deletes a lesson, unpublishes a course, edits a lesson,
replaces a video's file and a school attaches its report to a claim; the second setup keeps
every one of those."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.transcoding.media import video

REPO = Path(__file__).resolve().parents[2]
# The operator's Python environment, as ./gongyu picks it (GONGYU_VENV, else .venv).
VENV = Path(os.environ.get("GONGYU_VENV", REPO / ".venv"))

EDITOR_WORK = r"""
import json
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from cms.catalogue.models import CoursePage, LessonPage
from cms.topics.models import TopicClaim
from transcoding.api import store_video

lessons = list(LessonPage.objects.live().order_by("path"))
deleted = lessons[0]
work = {"deleted": deleted.url_path}
deleted.delete()
course = CoursePage.objects.live().exclude(pk=lessons[0].get_parent().pk).order_by("path").last()
course.unpublish()
work["course"] = course.pk
edited = lessons[4]
edited.title = "编辑在两次 setup 之间改的课"
edited.save_revision().publish()
work["edited"] = edited.pk
asset = lessons[6].step("video_intro")["video"]
replaced = store_video(key=asset.key, title="编辑换过的视频", path=NEW_TAKE, transcode=False)
work["video"] = [replaced.key, replaced.original.name]
claim = TopicClaim.objects.filter(report__isnull=True).exclude(status="withdrawn").order_by("pk").first()
report = get_document_model().objects.create(
    title="学校上传的结题报告", file=ContentFile(b"%PDF-1.4 school report", name="school-report.pdf"))
claim.report = report
claim.save()
work["claim"] = [claim.pk, report.pk]
print("WORK=" + json.dumps(work))
"""

STATE = r"""
import json
from wagtail.models import Page
from cms.topics.models import TopicClaim
from transcoding.api import VideoAsset

work = json.loads(WORK)
asset = VideoAsset.objects.get(key=work["video"][0])
print("STATE=" + json.dumps({
    "deleted_back": Page.objects.filter(url_path=work["deleted"]).exists(),
    "course_live": Page.objects.get(pk=work["course"]).live,
    "edited_title": Page.objects.get(pk=work["edited"]).title,
    "video": [asset.title, asset.original.name],
    "report": TopicClaim.objects.get(pk=work["claim"][0]).report_id,
    "pages": Page.objects.count(),
}))
"""


def run(args, env, timeout=1200):
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def shell(code, env, marker):
    out = run([str(VENV / "bin/python"), "manage.py", "shell", "-c", code], env)
    return json.loads(next(line for line in out.splitlines() if line.startswith(marker))[len(marker):])


@pytest.mark.slow
def test_gongyu_setup_twice_around_editor_work_keeps_every_edit(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGYU_", "DJANGO_"))}
    env.update(GONGYU_VAR_DIR=str(tmp_path / "var"), GONGYU_TRANSCODE_ON_IMPORT="0", GONGYU_VENV=str(VENV))
    first = run([str(REPO / "gongyu"), "setup"], env)
    assert "演示" in first
    take = video(tmp_path / "new-take.mp4", seconds=2, size="320x180")
    work = shell(EDITOR_WORK.replace("NEW_TAKE", repr(str(take))), env, "WORK=")
    before = shell(STATE.replace("WORK", repr(json.dumps(work))), env, "STATE=")

    second = run([str(REPO / "gongyu"), "setup"], env)
    after = shell(STATE.replace("WORK", repr(json.dumps(work))), env, "STATE=")
    assert after == before, second[-2000:]
    assert not after["deleted_back"] and not after["course_live"]
    assert after["edited_title"] == "编辑在两次 setup 之间改的课"
    assert after["video"] == ["编辑换过的视频", work["video"][1]]
    assert after["report"] == work["claim"][1]
    assert "数据库里已经有课程内容:不再导入课程包" in second
