"""The admin's static files collect with the production storage (hashed names, references
rewritten), as `./gongyu setup` does: a vendored script that points at a file that is not there
(a source map) stopped the whole first run once."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_collectstatic_with_the_manifest_storage_succeeds(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(tmp_path),
           "GONGYU_STATIC_MANIFEST": "1"}
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for name in ("transcoding/hls.min.js", "transcoding/video_status.js", "catalogue/admin.css"):
        assert (tmp_path / "static" / manifest[name]).is_file(), name
