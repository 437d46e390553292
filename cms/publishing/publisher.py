"""publish(): the live public catalogue → the static parent site, incrementally and atomically.

1. Load the public site model (``sitemodel``) and plan every output with its inputs (``pages``).
2. A file is re-rendered only if its fingerprint (theme + inputs + what it links to) changed.
3. Changed files go into a new release (hard-linked copy of the live one); files of pages that
   are no longer public are removed; only the Pagefind shards holding changed pages are
   re-indexed; videos of live pages are copied, others pruned.
4. The release goes live with one symlink swap; then the state is saved. Any error before the
   swap discards the new release and leaves the live site as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from cms.core.vocabulary import SEARCHABLE, browser_data

from . import release as releases
from .models import PublishedFile, SiteTarget
from .pages import Renderer, fingerprint, plan, shard_of
from .searchindex import index_shards, shard_count, write_site_json
from .shell import build_shell
from .sitemodel import SiteModel
from .videos import prune_videos, site_video, video_states
from .vocabulary import Vocabulary

log = logging.getLogger("gongyu.publishing")
HOT_LIMIT = 600  # pages in the hot search shard before everything is re-spread over the cold shards


def url_of(path):
    return "/" + path.removesuffix("index.html")


@dataclasses.dataclass
class PublishResult:
    out: Path
    release: Path
    full: bool
    outputs: int = 0
    written: list = dataclasses.field(default_factory=list)
    removed: list = dataclasses.field(default_factory=list)
    shards_indexed: list = dataclasses.field(default_factory=list)
    timings: dict = dataclasses.field(default_factory=dict)

    @property
    def changed(self):
        return bool(self.written or self.removed)


def _noop(*args, **kwargs):
    pass


def publish(out=None, *, full=False, progress=None, base_url=None) -> PublishResult:
    out = Path(out or settings.SITE_OUTPUT_DIR).absolute()
    progress = progress or _noop
    with releases.publish_lock(out):
        return _publish(out, full, progress, base_url or settings.PARENT_SITE_URL)


def _publish(out: Path, full: bool, progress, base_url: str) -> PublishResult:
    started = time.monotonic()
    timings = {}
    target = str(out)
    state, _ = SiteTarget.objects.get_or_create(target=target)
    live = releases.current_release(out)
    shell = build_shell(releases.releases_dir(out) / ".cache")
    timings["shell"] = time.monotonic() - started

    model = SiteModel()
    vocabulary = Vocabulary()
    searchable = sum(1 for n in model.nodes.values() if n.kind in SEARCHABLE)
    shards = shard_count(searchable)
    salt = [shell.digest, vocabulary.digest, base_url]
    full = bool(full or live is None or state.theme != fingerprint(salt) or state.shards != shards)
    known = {} if full else {f.path: f for f in PublishedFile.objects.filter(target=target)}
    outputs = plan(model, shards)
    timings["plan"] = time.monotonic() - started

    linked_videos = {v for f in known.values() for v in f.links.get("videos", [])}
    vstates = video_states(linked_videos)

    def link_state(links):
        if not links:
            return None
        return {"pages": [model.get(pk).card() if model.get(pk) else None for pk in links.get("pages", [])],
                "videos": [vstates.get(pk) for pk in links.get("videos", [])]}

    todo = []
    for output in outputs:
        record = known.get(output.path)
        fp = fingerprint([salt, output.inputs, link_state(record.links if record else None)])
        if record is None or record.fingerprint != fp:
            todo.append(output)
    result = PublishResult(out=out, release=out, full=full, outputs=len(outputs))
    result.timings = timings
    planned = {o.path for o in outputs}
    stale = [path for path in known if path not in planned]
    if not todo and not stale and live is not None and not state.pending_shards:
        timings["total"] = time.monotonic() - started
        result.release = live
        return result

    release = releases.new_release(out, None if full else live)
    records = {}
    try:
        if full:
            for rel in shell.asset_files():
                dest = release / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes((shell.directory / "site" / rel).read_bytes())
        renderer = Renderer(shell, vocabulary, base_url)
        cache = releases.releases_dir(out) / ".cache" / "qr"

        def qr_cache(folder, output):
            # A QR code depends on its URL only: kept across builds (they are slow to draw), in a
            # fan-out folder (.cache/qr/ab/<hash>.svg) so no folder holds one file per page.
            key = fingerprint([base_url, output.inputs["url"]])
            path = folder / key[:2] / f"{key}.svg"
            if path.exists():
                return path.read_bytes()
            data = renderer.render(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return data

        page_ids = [o.page_id for o in todo if o.page_id and o.kind != "qr"]
        pages = {}
        for start in range(0, len(page_ids), 500):
            for page in Page.objects.filter(pk__in=page_ids[start:start + 500]).specific():
                pages[page.pk] = page
        live_cards = {pk: node.card() for pk, node in model.nodes.items()}
        progress(total=len(todo))
        for output in todo:
            page = pages.get(output.page_id) if output.kind != "qr" else None
            links, assets = Renderer.body_links(output.kind, page)
            videos = {pk: site_video(asset, release) for pk, asset in assets.items()}
            links["video_dirs"] = sorted(v["dir"] for v in videos.values() if v)
            missing = [pk for pk in links["videos"] if pk not in vstates]
            if missing:
                vstates.update(video_states(missing))
            data = qr_cache(cache, output) if output.kind == "qr" else renderer.render(output, page, videos, live_cards)
            releases.write_file(release, output.path, data)
            stored_links = links if output.kind != "qr" else {}
            records[output.path] = (output, fingerprint([salt, output.inputs, link_state(stored_links or None)]), stored_links)
            result.written.append(output.path)
            progress(advance=1)
        timings["render"] = time.monotonic() - started
        for path in stale:
            releases.remove_file(release, path)
            result.removed.append(path)

        # Search shards. A full build spreads pages over the "cold" shards 0…shards-1. After that,
        # every page that changes moves to the small "hot" shard (number ``shards``), so a publish
        # re-indexes only the hot shard; the browser drops a cold copy of a page that is gone and
        # keeps one result per URL. When the hot shard grows too big, everything is re-spread.
        hot = shards
        gone = [] if full else list(state.search_gone)
        todo_paths = {o.path for o in todo}
        for o in outputs:
            if o.shard is None or full:
                continue
            o.shard = hot if o.path in todo_paths else known[o.path].shard
        hot_paths = [o.path for o in outputs if o.shard == hot]
        compact = not full and len(hot_paths) > HOT_LIMIT
        if full or compact:
            for o in outputs:
                if o.shard is not None:
                    o.shard = shard_of(o.node, shards)
            changed_shards, gone = set(range(shards)), []
        else:
            gone += [url_of(p) for p in stale if known[p].shard is not None and known[p].shard != hot]
            changed_shards = ({hot} if any(o.shard == hot for o in todo) or any(known[p].shard == hot for p in stale)
                              else set()) | {s for s in state.pending_shards if s <= hot}
            if gone != list(state.search_gone):
                changed_shards.add(hot)
        shard_files = {s: sorted(o.path for o in outputs if o.shard == s) for s in changed_shards}
        live_shards = sorted({o.shard for o in outputs if o.shard is not None} | set(range(shards)))

        def index_search(root):
            index_shards(root, shard_files)
            texts = [n.title for n in model.nodes.values() if n.kind in SEARCHABLE]
            texts += [p.title for p in model.problems.values()]
            # The kinds' Chinese labels travel as generated data (site.json → vocabulary.kinds), so
            # the site's JavaScript holds no copy of them.
            words = dict(vocabulary.browser_vocabulary(texts, releases.releases_dir(out) / ".cache" / "vocabulary.pickle"),
                         kinds=browser_data()["labels"])
            write_site_json(root, live_shards, words, sorted(set(gone)))
            result.shards_indexed = sorted(changed_shards)

        if full:
            index_search(release)  # a full build goes live once, search included
            timings["search"] = time.monotonic() - started

        keep_videos = set()
        for path in planned:
            if path in records:
                keep_videos.update(records[path][2].get("video_dirs", []))
            elif path in known:
                keep_videos.update(known[path].links.get("video_dirs", []))
        prune_videos(release, keep_videos)
        if getattr(model, "pictures", None):  # card thumbnails (images.py), cached by content hash
            model.pictures.install(release, releases.releases_dir(out) / ".cache" / "thumbs")
        releases.go_live(out, release)
        timings["live"] = time.monotonic() - started
    except BaseException:
        releases.discard(release)
        raise
    result.release = release
    with transaction.atomic():
        if full:
            PublishedFile.objects.filter(target=target).delete()
        else:
            PublishedFile.objects.filter(target=target, path__in=stale + list(records)).delete()
        PublishedFile.objects.bulk_create([
            PublishedFile(target=target, path=path, fingerprint=fp, page_id=o.page_id, shard=o.shard, links=links)
            for path, (o, fp, links) in records.items()
        ], batch_size=500)
        state.release = str(release)
        state.theme = fingerprint(salt)
        state.shards = shards
        state.vocabulary = vocabulary.digest
        state.published_at = timezone.now()
        state.pending_shards = [] if full else sorted(changed_shards)
        state.search_gone = sorted(set(gone))
        state.save()
        if compact:
            for shard in set(o.shard for o in outputs if o.shard is not None):
                PublishedFile.objects.filter(target=target, path__in=[o.path for o in outputs if o.shard == shard]).update(shard=shard)
    if not full and changed_shards:
        # Second step: the pages are live; now the search shards that hold them are rebuilt in
        # another release and swapped in (when the hot shard was full, every shard: the pages
        # did not wait for that). If this fails the shards stay pending for next time.
        search_release = releases.new_release(out, release)
        try:
            index_search(search_release)
            releases.go_live(out, search_release)
        except BaseException:
            releases.discard(search_release)
            raise
        result.release = search_release
        SiteTarget.objects.filter(pk=state.pk).update(pending_shards=[])
        timings["search"] = time.monotonic() - started
    releases.prune_releases(out)
    timings["total"] = time.monotonic() - started
    log.info("家长网站已发布:%s 个文件更新,%s 个删除,用时 %.1f 秒", len(result.written), len(result.removed), timings["total"])
    return result
