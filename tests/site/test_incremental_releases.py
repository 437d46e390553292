"""Edits go live without copying the whole site: releases form a small ring, the oldest one is
brought up to date by re-linking only what changed since it was live (release.py)."""

import hashlib
import os

import pytest

from cms.catalogue.models import LessonPage
from cms.publishing import release
from cms.publishing.api import publish

pytestmark = pytest.mark.django_db


def html(out, page):
    return (out / page.url_path[len("/home/"):] / "index.html").read_text()


def tree(root):
    """{relative path: (inode, sha1)} of every file: what a parent could fetch from a release."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = (os.stat(path).st_ino, hashlib.sha1(handle.read()).hexdigest())
    return out


def releases(out):
    base = release.releases_dir(out)
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_edits_reuse_old_releases_never_touch_the_live_one_and_every_edit_survives(tmp_path, monkeypatch):
    out = tmp_path / "site"
    whole_copies = []
    run = release.subprocess.run

    def counting(args, *rest, **kwargs):   # the real cp, counted when it copies a whole release
        if args[:2] == ["cp", "-al"] and os.path.dirname(args[-1]) == str(release.releases_dir(out)):
            whole_copies.append(args[-1])
        return run(args, *rest, **kwargs)

    monkeypatch.setattr(release.subprocess, "run", counting)
    publish(out)
    # The full build leaves two never-live copies of itself for the next edits to reuse.
    assert len(whole_copies) == release.KEEP_PREVIOUS and len(releases(out)) == 1 + release.KEEP_PREVIOUS
    whole_copies.clear()
    lessons = list(LessonPage.objects.live().order_by("path")[:6])
    gone = lessons[5]
    for n, lesson in enumerate(lessons[:5]):
        live = out.resolve()
        before = tree(live)
        lesson.title = f"第{n}次修改的标题"
        lesson.save_revision().publish()
        if n == 2:
            gone.unpublish()           # a page removed in the middle of the run stays removed
        result = publish(out)
        assert result.written
        assert tree(live) == before    # the release live before the publish is never modified
        assert len(releases(out)) <= 1 + release.KEEP_PREVIOUS
    # Ten go-lives (page, then search, per edit): none copies the whole release, not even the
    # first two after the full build.
    assert whole_copies == []
    # Every edit is on the live site, in the pages and in the listings, whichever release it
    # was first written to.
    for n, lesson in enumerate(lessons[:5]):
        assert f"第{n}次修改的标题" in html(out, lesson)
        assert f"第{n}次修改的标题" in html(out, lesson.get_parent())
    assert not (out / gone.url_path[len("/home/"):] / "index.html").exists()
    # The reused release holds exactly what a fresh copy of the live one would: the same files
    # (hard links to the same inodes), nothing stale.
    incremental = {path: digest for path, (_, digest) in tree(out.resolve()).items()}
    publish(out, full=True)
    full = {path: digest for path, (_, digest) in tree(out.resolve()).items()}
    pages = {p for p in full if p.endswith(".html")}
    assert {p for p in incremental if p.endswith(".html")} == pages
    assert all(incremental[p] == full[p] for p in pages)


def test_a_failed_publish_into_a_reused_release_is_never_reused_half_synced(tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path")[:4])
    for n, lesson in enumerate(lessons[:3]):
        lesson.title = f"准备第{n}次"
        lesson.save_revision().publish()
        publish(out)
    live = os.readlink(out)
    from cms.publishing import render as pages_module

    original = pages_module.Renderer.render

    def broken(self, output, *args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(pages_module.Renderer, "render", broken)
    lessons[3].title = "失败的那一次"
    lessons[3].save_revision().publish()
    with pytest.raises(RuntimeError):
        publish(out)
    assert os.readlink(out) == live
    assert "失败的那一次" not in html(out, lessons[3])
    monkeypatch.setattr(pages_module.Renderer, "render", original)
    publish(out)
    assert "失败的那一次" in html(out, lessons[3])
    for n, lesson in enumerate(lessons[:3]):
        assert f"准备第{n}次" in html(out, lesson)


def test_pages_go_live_before_a_full_hot_shard_is_re_spread_and_a_failed_re_spread_is_retried(tmp_path, monkeypatch):
    import json

    from cms.publishing import publisher, searchindex

    out = tmp_path / "site"
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path")[:3])
    lessons[0].title = "热分片里的课"
    lessons[0].save_revision().publish()
    assert publish(out).shards_indexed == [1]              # the small hot shard only
    monkeypatch.setattr(publisher, "HOT_LIMIT", 0)         # from now on the hot shard is "full"
    original = searchindex.index_shards
    monkeypatch.setattr(publisher, "index_shards", lambda *a, **k: (_ for _ in ()).throw(OSError("磁盘已满")))
    lessons[2].title = "热分片满了的那一课"
    lessons[2].save_revision().publish()
    with pytest.raises(OSError):
        publish(out)      # the hot shard is full: every shard is re-indexed after the pages are live…
    assert "热分片满了的那一课" in html(out, lessons[2])   # …so the page did not wait for it
    assert "热分片满了的那一课" in html(out, lessons[2].get_parent())
    monkeypatch.setattr(publisher, "index_shards", original)
    retried = publish(out)                                 # nothing else changed: the search is retried
    assert retried.shards_indexed == [0]
    site = json.loads((out / "pagefind" / "site.json").read_text())
    assert site["shards"] == ["/pagefind/s0/"] and site["gone"] == []
    assert not (out / "pagefind" / "s1").exists()
