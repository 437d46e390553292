"""A big full build renders in worker processes (issue 17 item 3): ``manage.py publish_site``
with a low pool threshold really forks workers, and the site they make is the site one process
makes, file for file — the first-screen search files the workers' entries make included."""

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from cms.publishing import firstscreen
from cms.publishing.api import publish

pytestmark = pytest.mark.django_db


def database_url(tmp_path):
    """The test database (its committed rows: the demo catalogue) for a separate process. SQLite:
    a copy (sqlite3's backup API reads the committed state), as this test's open transaction
    holds the write lock the other process needs."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        copy = tmp_path / "db.sqlite3"
        source, target = sqlite3.connect(db["NAME"]), sqlite3.connect(copy)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return f"sqlite:///{copy}"
    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    return f"postgres://{auth}@{quote(db['HOST'] or 'localhost', safe='')}:{db['PORT'] or 5432}/{db['NAME']}"


def pages(root: Path):
    """{path: sha1} of the generated pages and QR codes (what the renderers wrote)."""
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.suffix in (".html", ".svg") and not p.is_symlink()
            and "pagefind" not in p.parts and "assets" not in p.parts}


def first_screen(root: Path):
    """{name: sha1} of the first-screen search files (term files and cards)."""
    folder = root / firstscreen.ROOT
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest() for p in folder.rglob("*.json")}


def test_a_big_full_build_renders_in_two_worker_processes_and_makes_the_same_site(tmp_path):
    pooled = tmp_path / "pooled"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cms.settings", DATABASE_URL=database_url(tmp_path),
               GONGYU_PUBLISH_WORKERS="2", GONGYU_PUBLISH_POOL_MIN="10", GONGYU_PUBLISH_WORKER_FILES="100")
    done = subprocess.run([sys.executable, "manage.py", "publish_site", "--out", str(pooled), "--full", "-v", "2"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 个进程并行生成页面" in done.stdout
    # Each pool rendered one batch (its workers about 100 files each) and was replaced: the pages are the same as from one process.
    assert "生成页面的工作进程换新" in done.stdout, done.stdout

    single = tmp_path / "single"
    result = publish(single, full=True)   # in this process (its rows are in a test transaction)
    assert result.workers == 1

    made, expected = pages(pooled.resolve()), pages(single.resolve())
    assert len(expected) > 200
    assert made == expected
    # The first-screen search files: the workers computed each page's entry from the page they
    # had just rendered; the single process read the pages back after the render. Same files.
    pooled_fs, single_fs = first_screen(pooled.resolve()), first_screen(single.resolve())
    assert len(single_fs) > 20 and any(name.startswith("c/") for name in single_fs)
    assert pooled_fs == single_fs
