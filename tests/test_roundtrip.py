"""Export → import into an empty database → export gives byte-identical files (real CLI)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from cms.catalogue.models import LessonPage, MicroLessonPage
from curricula import yamlio

REPO = Path(__file__).resolve().parent.parent


def manage(var_dir, *args):
    env = {**os.environ, "GONGYU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "cms.settings",
           "GONGYU_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.django_db
def test_export_import_export_is_byte_identical(tmp_path):
    first = tmp_path / "first"
    call_command("export_curriculum", str(first))
    exported = files(first)

    # What was exported is the whole catalogue, media included.
    studios = [yamlio.loads(v.decode()) for k, v in exported.items() if k.startswith("studios/")]
    lessons = sum(len(c["lessons"]) for s in studios for c in s["courses"])
    assert lessons == LessonPage.objects.count()
    assert sum(len(s["micro_lessons"]) for s in studios) == MicroLessonPage.objects.count()
    videos = {v["file"] for s in studios for v in s["videos"]}
    assert videos and videos <= set(exported)

    fresh = tmp_path / "fresh-var"
    manage(fresh, "migrate", "--noinput", "-v0")
    out = manage(fresh, "import_curriculum", str(first))
    assert "导入完成" in out
    second = tmp_path / "second"
    manage(fresh, "export_curriculum", str(second))

    again = files(second)
    assert sorted(again) == sorted(exported)
    different = [name for name in exported if exported[name] != again[name]]
    assert different == []


@pytest.mark.django_db
def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("不要覆盖我")
    with pytest.raises(Exception, match="不是空的"):
        call_command("export_curriculum", str(tmp_path))
    assert (tmp_path / "keep.txt").read_text() == "不要覆盖我"
