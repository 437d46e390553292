"""Atomic go-live: each publish writes a new release folder (a hard-linked copy of the live one,
then only the changed files replaced by new files — never written in place), then swaps the
``out`` symlink to it with one rename. A parent never sees a half-built site; a failed build
leaves the live release untouched. The previous release is kept for requests in flight."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path


def releases_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.releases"


def current_release(out: Path) -> Path | None:
    if out.is_symlink():
        target = Path(os.readlink(out))
        target = target if target.is_absolute() else out.parent / target
        return target if target.is_dir() else None
    return None


@contextlib.contextmanager
def publish_lock(out: Path):
    base = releases_dir(out)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_release(out: Path, clone_from: Path | None) -> Path:
    path = releases_dir(out) / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    if clone_from is None:
        path.mkdir(parents=True)
        return path
    # GNU cp makes the hard-linked copy several times faster than a Python walk.
    result = subprocess.run(["cp", "-al", str(clone_from), str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(path, ignore_errors=True)
        raise OSError(f"无法复制当前网站版本:{result.stderr.strip()}")
    return path


def write_file(root: Path, rel: str, data: bytes):
    """Write by creating a new file and renaming it over the old name: a hard-linked file of the
    live release is never modified."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def remove_file(root: Path, rel: str):
    path = root / rel
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    parent = path.parent
    while parent != root and parent.exists() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def go_live(out: Path, release: Path):
    out.parent.mkdir(parents=True, exist_ok=True)
    link = out.parent / f".{out.name}.{uuid.uuid4().hex[:6]}.link"
    os.symlink(os.path.relpath(release, out.parent), link)
    if out.exists() and not out.is_symlink():
        # First publish over a plain folder (an older build): move it aside, then link.
        os.rename(out, releases_dir(out) / f"legacy-{uuid.uuid4().hex[:6]}")
    os.replace(link, out)


def prune_releases(out: Path, keep_previous: int = 1):
    """Delete old releases, keeping the live one and the ``keep_previous`` newest others."""
    live = current_release(out)
    base = releases_dir(out)
    others = sorted((p for p in base.iterdir() if p.is_dir() and p != live and not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for path in others[keep_previous:]:
        shutil.rmtree(path, ignore_errors=True)


def discard(release: Path):
    shutil.rmtree(release, ignore_errors=True)
