"""publish(): the live public catalogue → the static parent site, incrementally and atomically.

A publish runs in named phases, each a short function below:

1. **diff** — load the public site model (``sitemodel``), plan the outputs with their inputs
   (``pages.plan``) and keep those whose fingerprint (theme + inputs + what they link to)
   changed, plus the files of pages that are no longer public (*stale*). When the change feed
   named the changed pages (``pages=[ids]``: page publishes), only the files that show them are
   planned — found in the *dependency index* (``OutputDependency``: page → files showing it,
   rebuilt by every full plan and updated for every file rendered) — plus, when a page's place
   in listings changed (parent, order, 学段/主题/问题, URL), the listings it joins and the pages
   that share a 问题 with it; the site model is then the last publish's with only the named
   pages' rows read again (``SiteModel.kept``), so an edit's reads do not grow with the
   catalogue. Anything else (unpublish, move, privacy, taxonomy, video …) plans every file from
   the model loaded whole.
2. **render** — write the changed files into a new release (the release ring of ``release``;
   the live one is never touched) and remove the stale ones. A pooled full build's workers also
   compute each searchable page's first-screen entry (``firstscreen.FullWriter``).
3. **assign shards** — which Pagefind shard each searchable page belongs to (a full build spreads
   them over the cold shards; an edit moves changed pages to the small hot shard).
4. **go live** — (a full build: index search first) copy videos of live pages, prune others,
   install thumbnails, swap the ``out`` symlink in one rename.
5. **persist** — save the files' fingerprints, links and shards and the target's state.
6. **reindex** — an edit's hot shard is re-indexed in another release and swapped in after the
   pages are live (a failure leaves it pending for the next publish).

Any error before the swap discards the new release and leaves the live site as it was.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from collections import deque
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from cms.core.vocabulary import SEARCHABLE, browser_data

from . import firstscreen
from . import release as releases
from .models import OutputDependency, PublishedFile, SiteTarget
from .pages import fingerprint, membership, own_paths, plan, shard_of, shown_pages, taxon_paths
from .records import Records
from .render import Renderer
from .searchindex import index_shards, shard_count, write_site_json
from .shell import build_shell
from .sitemodel import SiteModel
from .videos import prune_videos, site_video, video_states
from .vocabulary import Vocabulary

log = logging.getLogger("gongyu.publishing")
HOT_LIMIT = 600  # pages in the hot search shard before everything is re-spread over the cold shards
MAX_PAGES = 200  # pages named by an edit before it plans every file instead
MODEL_FILE = "sitemodel.pickle"   # the last publish's site model, in the releases' .cache (sitemodel.kept)
FIRST_SCREEN_IN_POOL = True   # a pooled full build computes the first-screen entries in its workers
LISTED = ("studio", "course", "lesson", "micro")  # the kinds an edit can plan from the dependency index
AHEAD = 2   # render batches per worker submitted ahead of the one being merged (bounded memory)
FREEZE_BEFORE_FORK = True   # objects made before a render pool forks are left out of GC passes


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
    workers: int = 1            # processes that rendered the files
    pools: int = 0              # worker pools started one after another (``_render_in_pool``)
    timings: dict = dataclasses.field(default_factory=dict)

    @property
    def changed(self):
        return bool(self.written or self.removed)


@dataclasses.dataclass
class Build:
    """What one publish knows as it goes through its phases."""

    out: Path
    base_url: str
    full: bool
    started: float
    pages: list | None = None   # the changed pages the change feed named; None: compare everything
    own_records: dict = dataclasses.field(default_factory=dict)   # path → PublishedFile of ``pages``
    live_cards: dict = None     # {page id: card} of every public page (what body links may show)
    incremental: bool = False   # planned from the dependency index (only the files showing ``pages``)
    state: SiteTarget = None
    live: Path | None = None
    shell: object = None
    model: SiteModel = None
    vocabulary: Vocabulary = None
    shards: int = 1
    salt: list = None
    known: dict = None          # {path: PublishedFile} of the files the live site holds
    outputs: list = None        # planned outputs
    todo: list = None           # outputs to (re-)render
    stale: list = None          # paths of files to remove
    vstates: dict = None        # {video id: state} for link fingerprints
    release: Path | None = None
    records: Records = dataclasses.field(default_factory=Records)   # path → (output, fingerprint, links, shown page ids)
    changed_shards: set = dataclasses.field(default_factory=set)
    live_shards: list = dataclasses.field(default_factory=list)
    gone: list = dataclasses.field(default_factory=list)
    compact: bool = False
    fs_writer: firstscreen.FullWriter | None = None   # a pooled full build's first-screen index
    result: PublishResult = None

    @property
    def target(self):
        return str(self.out)

    @property
    def cache(self) -> Path:
        return releases.releases_dir(self.out) / ".cache"

    def mark(self, phase):
        self.result.timings[phase] = time.monotonic() - self.started

    def link_state(self, links):
        if not links:
            return None
        return {"pages": [self.model.get(pk).card() if self.model.get(pk) else None for pk in links.get("pages", [])],
                "videos": [self.vstates.get(pk) for pk in links.get("videos", [])]}


def _noop(*args, **kwargs):
    pass


def publish(out=None, *, full=False, progress=None, base_url=None, pages=None) -> PublishResult:
    """``pages``: ids of the pages that changed (a page publish); only the files showing them are
    planned. None (the default): every file is planned and compared."""
    out = Path(out or settings.SITE_OUTPUT_DIR).absolute()
    progress = progress or _noop
    with releases.publish_lock(out):
        return _publish(out, full, progress, base_url or settings.PARENT_SITE_URL, pages)


def _publish(out: Path, full: bool, progress, base_url: str, pages=None) -> PublishResult:
    build = Build(out=out, base_url=base_url, full=full, started=time.monotonic(), pages=pages)
    build.result = PublishResult(out=out, release=out, full=full)
    _diff(build)
    if not build.todo and not build.stale and build.live is not None and not build.state.pending_shards:
        _keep_model(build)
        build.mark("total")
        build.result.release = build.live
        return build.result
    build.release = releases.new_release(out, None if build.full else build.live)
    build.records.spool_dir = build.cache
    try:
        try:
            _render(build, progress)
            _assign_shards(build)
            _go_live(build)
        except BaseException:
            if build.fs_writer is not None:
                build.fs_writer.discard()
            releases.discard(build.release)
            raise
        build.result.release = build.release
        _persist(build)
        _reindex(build)
    finally:
        build.records.close()
    _keep_model(build)
    if build.full:
        try:
            releases.prepare_spares(out)   # the next edits copy nothing whole
        except OSError as exc:             # the site is live; the next edit copies it instead
            log.warning("未能预备网站版本副本(下一次修改将复制整个网站):%s", exc)
    else:
        releases.prune_releases(out)
    build.mark("total")
    result = build.result
    log.info("家长网站已发布:%s 个文件更新,%s 个删除,用时 %.1f 秒", len(result.written), len(result.removed), result.timings["total"])
    return result


def _keep_model(build: Build):
    """Save this publish's site model for the next edit (``SiteModel.kept``), stamped with the
    target's publish time as stored; a publish that fails before this leaves a stamp that no
    longer matches, so the next one loads the model whole."""
    stamp = SiteTarget.objects.filter(pk=build.state.pk).values_list("published_at", flat=True).first()
    path = build.cache / MODEL_FILE
    if stamp is None or getattr(build.model, "pictures", None) is None:
        path.unlink(missing_ok=True)
        return
    build.model.save(path, stamp.isoformat())


# -- 1. diff --------------------------------------------------------------------------------------
def _diff(build: Build):
    build.state, _ = SiteTarget.objects.get_or_create(target=build.target)
    build.live = releases.current_release(build.out)
    build.shell = build_shell(build.cache)
    build.mark("shell")
    build.vocabulary = Vocabulary()
    state = build.state
    kept = None
    if not build.full and build.pages is not None and state.indexed and build.live is not None and state.published_at:
        # An edit: the last publish's site model with only the named pages' rows read again.
        kept = SiteModel.kept(build.cache / MODEL_FILE, state.published_at.isoformat(), build.pages)
    if kept is None:
        SiteModel.forget()   # not held beside the model loaded whole
    for model in ((kept, None) if kept is not None else (None,)):
        build.model = model or SiteModel()
        searchable = sum(1 for n in build.model.nodes.values() if n.kind in SEARCHABLE)
        build.shards = shard_count(searchable)
        build.salt = [build.shell.digest, build.vocabulary.digest, build.base_url]
        build.full = bool(build.full or build.live is None or state.theme != fingerprint(build.salt)
                          or state.shards != build.shards)
        build.result.full = build.full
        incremental = not build.full and build.pages is not None and state.indexed
        only = _affected(build) if incremental else None
        if only is not None and not _plan_some(build, only):
            only = None   # the hot search shard is full: every page is re-spread, so plan everything
        if only is not None or model is None:
            break
        # Every file is planned: from the whole model, read again (not the kept one).
    if only is None:
        _plan_everything(build)
    build.result.outputs = len(build.outputs)
    build.mark("plan")


def _plan_everything(build: Build):
    build.incremental = False
    build.known = {} if build.full else {f.path: f for f in PublishedFile.objects.filter(target=build.target)}
    build.outputs = plan(build.model, build.shards)
    _compare(build)
    planned = {o.path for o in build.outputs}
    build.stale = [path for path in build.known if path not in planned]


def _plan_some(build: Build, only: set[str]) -> bool:
    """Plan and compare only ``only`` (plus the engagement files); reads only their rows."""
    build.incremental = True
    build.outputs = plan(build.model, build.shards, only)
    planned = {o.path for o in build.outputs}
    build.known = {f.path: f for f in _rows(PublishedFile.objects.filter(target=build.target), "path", planned | only)}
    build.known.update(build.own_records)
    _compare(build)
    build.stale = [path for path in build.known if path not in planned]
    hot = build.shards
    in_hot = PublishedFile.objects.filter(target=build.target, shard=hot).count()
    joining = sum(1 for o in build.todo if o.shard is not None and (o.path not in build.known or build.known[o.path].shard != hot))
    return in_hot + joining <= HOT_LIMIT


def _compare(build: Build):
    build.vstates = video_states({v for f in build.known.values() for v in f.links.get("videos", [])})
    build.todo = []
    for output in build.outputs:
        record = build.known.get(output.path)
        if record is None:   # a new file (every file of a full build): its inputs are made when it is rendered
            build.todo.append(output)
            continue
        fp = fingerprint([build.salt, output.inputs, build.link_state(record.links)])
        output.drop()
        if record.fingerprint != fp:
            build.todo.append(output)


def _rows(queryset, field, values, size=500):
    values = sorted(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field}__in": values[start:start + size]})


def _affected(build: Build) -> set[str] | None:
    """The files an edit of ``build.pages`` can change, from the dependency index; None when the
    change is of a kind only a full comparison handles."""
    model, pages = build.model, set(build.pages)
    if len(pages) > MAX_PAGES:
        return None
    build.own_records = {f.path: f for f in _rows(PublishedFile.objects.filter(target=build.target), "page_id", pages)}
    recorded = {}
    for record in build.own_records.values():
        if record.links.get("membership"):
            recorded[record.page_id] = record.links["membership"]
    seeds, paths = set(pages), {"index.html"}   # home lists the newest courses and micro-lessons
    for pk in pages:
        node = model.get(pk)
        if node is None or node.kind not in LISTED:
            return None   # no longer public, or the home/index pages: compare everything
        old, new = recorded.get(pk), membership(model, node)
        if old == new:
            continue
        if node.children and (old is None or old[3] != node.url):
            return None   # a branch became public or moved: its descendants' files change too
        old_taxa = old[4:7] if old else ((), (), ())
        if old is None or old[:4] != new[:4]:   # new, moved among its siblings or renamed: the
            seeds.update(p for p in (node.parent_id, old and old[0]) if p)   # parent lists it anew
        paths |= taxon_paths(model, *old_taxa) | taxon_paths(model, node.stages, node.themes, node.problems)
        for problem in set(node.problems) | set(old_taxa[2]):   # related lists of pages sharing a 问题
            for other in model.by_taxon.get(("problem", problem), ()):
                for shown in (other, *model.children(other, "lesson")):
                    paths.update(own_paths(shown))
    for pk in seeds:
        if model.get(pk) is not None and model.get(pk).kind != "home":
            paths.update(own_paths(model.get(pk)))
    deps = OutputDependency.objects.filter(site=build.state).values_list("path", flat=True)
    paths.update(_rows(deps, "page_id", seeds))
    return paths


# -- 2. render ------------------------------------------------------------------------------------
CHUNK = 200   # outputs rendered per batch: their pages are loaded in one query, then dropped


def _render(build: Build, progress):
    """Write ``build.todo`` in batches of ``CHUNK`` (only one batch's page bodies in memory). A big
    build renders its batches in a pool of worker processes (both cores), see ``_pool_size``."""
    release, result = build.release, build.result
    if build.full:
        for rel in build.shell.asset_files():
            dest = release / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes((build.shell.directory / "site" / rel).read_bytes())
    progress(total=len(build.todo))
    chunks = [build.todo[start:start + CHUNK] for start in range(0, len(build.todo), CHUNK)]
    workers = _pool_size(build)
    result.workers = workers
    build.live_cards = LiveCards(build.model)
    if workers > 1:
        if build.full and FIRST_SCREEN_IN_POOL:
            build.fs_writer = firstscreen.FullWriter(build.release, firstscreen.Cache(build.cache / "firstscreen"))
        # The segmenter's dictionaries are loaded here, once, before the workers fork (shared
        # pages), not once per worker.
        firstscreen.segment_for_index("家长课程")
        done = _render_in_pool(build, chunks, workers)
    else:
        renderer = Renderer(build.shell, build.vocabulary, build.base_url)
        done = (_render_chunk(build, renderer, chunk, copy_videos=True) for chunk in chunks)
    for records in done:
        for output, fp, links, shown in records:
            build.records.add(output, fp, links, shown)
            result.written.append(output.path)
            progress(advance=1)
    if workers > 1:
        _copy_videos(build)
    build.mark("render")
    for path in build.stale:
        releases.remove_file(release, path)
        result.removed.append(path)


def _render_chunk(build: Build, renderer: Renderer, outputs, copy_videos: bool, entries: list | None = None):
    """Render and write ``outputs``; their pages come from one query (lesson bodies with their
    links). Returns [(output, fingerprint, links, shown page ids)]. ``entries``: the first-screen
    entries (page id, (card, terms)) of the searchable pages written are appended to it."""
    release = build.release
    pages = _live_pages([o.page_id for o in outputs if o.page_id and o.kind != "qr"])
    done = []
    for output in outputs:
        if output.kind == "qr":
            data, links = _qr(build, renderer, output), {}
        else:
            page = pages.get(output.page_id)
            links, assets = Renderer.body_links(output.kind, page)
            videos = {pk: site_video(asset, release, copy=copy_videos) for pk, asset in assets.items()}
            links["video_dirs"] = sorted(v["dir"] for v in videos.values() if v)
            missing = [pk for pk in links["videos"] if pk not in build.vstates]
            if missing:
                build.vstates.update(video_states(missing))
            data = renderer.render(output, page, videos, build.live_cards)
        releases.write_file(release, output.path, data)
        if entries is not None and output.shard is not None and output.page_id is not None:
            made = firstscreen.entry(data.decode("utf-8"), "/" + output.path.removesuffix("index.html"))
            if made is not None:
                entries.append((int(output.page_id), made))
        fp = fingerprint([build.salt, output.inputs, build.link_state(links or None)])
        if output.node is not None and output.node.kind in LISTED and output.kind != "qr":
            links["membership"] = membership(build.model, output.node)   # not part of the fingerprint
        done.append((output, fp, links, shown_pages(build.model, output, links)))
        output.drop()
    return done


class LiveCards:
    """{page id: card} of every public page (what a lesson's body may link to), made on demand from
    the site model rather than held for every page."""

    def __init__(self, model: SiteModel):
        self.model = model

    def __contains__(self, pk) -> bool:
        return pk in self.model.nodes

    def __getitem__(self, pk) -> dict:
        return self.model.nodes[pk].card()

    def get(self, pk, default=None):
        return self[pk] if pk in self else default


def _live_pages(page_ids):
    """{id: specific page} of the pages to render, streamed from one query per 500 ids."""
    pages = {}
    for start in range(0, len(page_ids), 500):
        for page in Page.objects.filter(pk__in=page_ids[start:start + 500]).specific().iterator(chunk_size=500):
            pages[page.pk] = page
    return pages


def _qr(build: Build, renderer: Renderer, output) -> bytes:
    # A QR code depends on its URL only: kept across builds (they are slow to draw), in a fan-out
    # folder (.cache/qr/ab/<hash>.svg) so no folder holds one file per page.
    key = fingerprint([build.base_url, output.inputs["url"]])
    path = build.cache / "qr" / key[:2] / f"{key}.svg"
    if path.exists():
        return path.read_bytes()
    data = renderer.render(output)
    releases.write_file(path.parent, path.name, data)   # by rename: a reader never sees half a file
    return data


# The render pool. Workers are forked from the publishing process after everything is planned, so
# they share the site model, the planned outputs and the shell without copying them; each opens
# its own database connection (a forked connection must not be used by two processes), renders
# the batches it is given and writes their files into the release. The parent records what they
# wrote in the release journal and copies the videos once (two workers never copy one video).
_POOL_BUILD: Build | None = None
_POOL_RENDERER: Renderer | None = None
_INHERITED = []   # the parent's connections, kept open and unused in a worker


def _pool_size(build: Build) -> int:
    """Worker processes for this render: 1 (render here) unless the build is big (a full build at
    province scale), the machine has more than one core and the workers can see the data (not
    inside a transaction of another connection)."""
    import os

    from django.db import connections

    workers = settings.GONGYU_PUBLISH_WORKERS or os.cpu_count() or 1
    if workers < 2 or len(build.todo) < settings.GONGYU_PUBLISH_POOL_MIN:
        return 1
    for conn in connections.all(initialized_only=True):
        memory = conn.vendor == "sqlite" and conn.is_in_memory_db()
        if conn.in_atomic_block and not memory:
            return 1   # a worker's own connection would not see this transaction's rows
    return workers


def _worker_start():
    from django.db import connections

    global _POOL_RENDERER
    for conn in connections.all(initialized_only=True):
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            continue   # the worker's private copy of an in-memory database (tests): use it as it is
        _INHERITED.append(conn.connection)   # closing it here would close the parent's session
        conn.connection = None
    build = _POOL_BUILD
    _POOL_RENDERER = Renderer(build.shell, build.vocabulary, build.base_url)


def _worker_render(start: int, stop: int):
    build = _POOL_BUILD
    entries = [] if build.fs_writer is not None else None
    done = _render_chunk(build, _POOL_RENDERER, build.todo[start:stop], copy_videos=False, entries=entries)
    return start, [(fp, links, shown) for _, fp, links, shown in done], entries


def _render_in_pool(build: Build, chunks, workers: int):
    """Yield each batch's records, in order. The pool is renewed after each of its workers has
    rendered about ``GONGYU_PUBLISH_WORKER_FILES`` files: a forked worker copies every page of the parent's
    memory it touches (reference counts change when an object is read), so one that rendered the
    whole catalogue would end up holding its own copy of the site model; a worker that renders a
    part of it copies only what that part shows. A pool is shut down (its threads joined) before
    the next one forks, so no fork happens beside a thread that may hold a lock."""
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _POOL_BUILD
    _POOL_BUILD = build
    context = multiprocessing.get_context("fork")
    per_pool = max(1, workers * settings.GONGYU_PUBLISH_WORKER_FILES // CHUNK)   # batches per pool
    spans, start = deque(), 0
    for chunk in chunks:
        spans.append((start, start + len(chunk)))
        start += len(chunk)
    # A few batches ahead of the one being merged, not all of them: a finished batch's results
    # (links, first-screen entries) are dropped once merged, so the parent holds a bounded number
    # of batches, whatever the catalogue's size.
    futures, pool, given = deque(), None, 0
    try:
        while spans or futures:
            if pool is not None and given >= per_pool and not futures:
                pool.shutdown()   # its workers exit, and their copies of the parent's pages with them
                pool = None
            if pool is None:
                # Objects made before the fork are left out of the garbage collector's passes (in
                # the workers and here): a full pass writes to every object's header, so a worker
                # at province scale would copy every page of the site model at once.
                if FREEZE_BEFORE_FORK:
                    gc.freeze()
                pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start)
                build.result.pools += 1
                given = 0
            while spans and len(futures) < AHEAD * workers and given < per_pool:
                futures.append(pool.submit(_worker_render, *spans.popleft()))
                given += 1
            first, done, entries = futures.popleft().result()
            for pk, made in entries or ():
                build.fs_writer.add(pk, made)
            outputs = build.todo[first:first + len(done)]
            for output in outputs:
                releases.touched(build.release, output.path)
            yield [(o, *record) for o, record in zip(outputs, done, strict=True)]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        gc.unfreeze()
        _POOL_BUILD = None


def _copy_videos(build: Build):
    """After a pool render: copy each video the written pages play once, in this process
    (``site_video`` takes the id and reads plain data through ``transcoding.api``)."""
    for video_id in sorted(build.records.videos):
        site_video(video_id, build.release)


# -- 3. assign shards -----------------------------------------------------------------------------
def _assign_shards(build: Build):
    """A full build spreads pages over the "cold" shards 0…shards-1. After that, every page that
    changes moves to the small "hot" shard (number ``shards``), so a publish re-indexes only the
    hot shard; the browser drops a cold copy of a page that is gone and keeps one result per URL.
    When the hot shard grows too big, everything is re-spread."""
    outputs, known, state, hot = build.outputs, build.known, build.state, build.shards
    build.gone = [] if build.full else list(state.search_gone)
    todo_paths = {o.path for o in build.todo}
    if not build.full:
        for o in outputs:
            if o.shard is not None:
                o.shard = hot if o.path in todo_paths else known[o.path].shard
    hot_paths = [o.path for o in outputs if o.shard == hot]
    build.compact = not build.full and len(hot_paths) > HOT_LIMIT
    if build.full or build.compact:
        for o in outputs:
            if o.shard is not None:
                o.shard = shard_of(o.node, build.shards)
        build.changed_shards, build.gone = set(range(build.shards)), []
    else:
        build.gone += [url_of(p) for p in build.stale if known[p].shard is not None and known[p].shard != hot]
        hot_touched = any(o.shard == hot for o in build.todo) or any(known[p].shard == hot for p in build.stale)
        build.changed_shards = ({hot} if hot_touched else set()) | {s for s in state.pending_shards if s <= hot}
        if build.gone != list(state.search_gone):
            build.changed_shards.add(hot)
    shards = {o.shard for o in outputs if o.shard is not None}
    if build.incremental and PublishedFile.objects.filter(target=build.target, shard=hot).exists():
        shards.add(hot)   # only the planned files are in ``outputs``; the rest of the hot shard is in the rows
    build.live_shards = sorted(shards | set(range(build.shards)))


def _shard_files(build: Build) -> dict[int, list[str]]:
    if not build.incremental:
        return {s: sorted(o.path for o in build.outputs if o.shard == s) for s in build.changed_shards}
    # An edit indexes after ``_persist``: the rows hold every file's shard.
    files = {s: [] for s in build.changed_shards}
    rows = PublishedFile.objects.filter(target=build.target, shard__in=sorted(build.changed_shards))
    for path, shard in rows.values_list("path", "shard").order_by("path"):
        files[shard].append(path)
    return files


def _index_search(build: Build, root: Path):
    # The first-screen files before Pagefind: a full build's writer lets go of the terms it holds
    # before two Pagefind processes start (the peak of a full build's search phase).
    fs = _first_screen(build, root)
    if build.full:
        _shrink()
    index_shards(root, _shard_files(build))
    texts = [n.title for n in build.model.nodes.values() if n.kind in SEARCHABLE]
    texts += [p.title for p in build.model.problems.values()]
    # The kinds' Chinese labels travel as generated data (site.json → vocabulary.kinds), so the
    # site's JavaScript holds no copy of them.
    words = dict(build.vocabulary.browser_vocabulary(texts, build.cache / "vocabulary.pickle"),
                 kinds=browser_data()["labels"], fs=fs)
    write_site_json(root, build.live_shards, words, sorted(set(build.gone)))
    build.result.shards_indexed = sorted(build.changed_shards)


def _shrink():
    """Before a full build's Pagefind processes start (the peak of its search phase, issue 17):
    let go of the segmenter's dictionaries (rebuilt in 0.5 s when the vocabulary below needs
    them) and hand the heap this process has freed back to the system (glibc's ``malloc_trim``;
    elsewhere nothing). 10,000 lessons: 290 → 207 MB at Pagefind's start (docs/ARCHITECTURE.md)."""
    import ctypes
    import gc

    from search.analysis import release_tokenizer

    release_tokenizer()
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _first_screen(build: Build, root: Path) -> dict:
    """The first-screen search files (``firstscreen``): every searchable page on a full build, the
    pages this publish wrote or removed otherwise."""
    if build.full and build.fs_writer is not None:   # the render workers computed the entries
        return build.fs_writer.finish()
    if build.full:
        pages = {o.path: o.page_id for o in build.outputs if o.shard is not None}
        return firstscreen.update(root, build.cache / "firstscreen", pages, full=True)
    written = {path: record[0].page_id for path, record in build.records.items() if record[0].shard is not None}
    removed = {p: build.known[p].page_id for p in build.stale if p in build.known and build.known[p].shard is not None}

    def everything():
        rows = PublishedFile.objects.filter(target=build.target, shard__isnull=False)
        return dict(rows.values_list("path", "page_id"))
    return firstscreen.update(root, build.cache / "firstscreen", written, removed, everything=everything)


# -- 4. go live -----------------------------------------------------------------------------------
def _go_live(build: Build):
    if build.full:
        _index_search(build, build.release)  # a full build goes live once, search included
        build.mark("search")
    if build.incremental:
        _drop_unused_videos(build)
    else:
        keep_videos = set(build.records.video_dirs)
        for o in build.outputs:
            if o.path not in build.records and o.path in build.known:
                keep_videos.update(build.known[o.path].links.get("video_dirs", []))
        prune_videos(build.release, keep_videos)
    if getattr(build.model, "pictures", None):  # card thumbnails (images.py), cached by content hash
        build.model.pictures.install(build.release, build.cache / "thumbs")
    releases.go_live(build.out, build.release)
    build.mark("live")


def _drop_unused_videos(build: Build):
    """An edit: a video folder the re-rendered files no longer use goes when no other file does."""
    rewritten = [*build.records, *build.stale]
    before = {d for p in rewritten if p in build.known for d in build.known[p].links.get("video_dirs", [])}
    after = build.records.video_dirs
    others = PublishedFile.objects.filter(target=build.target).exclude(path__in=rewritten)
    for folder in sorted(before - after):
        if not others.filter(links__video_dirs__icontains=folder).exists() and (build.release / folder).is_dir():
            shutil.rmtree(build.release / folder)
            releases.touched(build.release, folder.rstrip("/"))


# -- 5. persist -----------------------------------------------------------------------------------
def _persist(build: Build):
    target, state = build.target, build.state
    with transaction.atomic():
        if build.full:
            PublishedFile.objects.filter(target=target).delete()
        else:
            gone = build.stale + list(build.records)
            for start in range(0, len(gone), 500):
                PublishedFile.objects.filter(target=target, path__in=gone[start:start + 500]).delete()
        rows = []   # created 500 at a time: a full build's records are streamed from their spool
        for path, (o, fp, links, _) in build.records.items():
            rows.append(PublishedFile(target=target, path=path, fingerprint=fp, page_id=o.page_id, shard=o.shard,
                                      links=links))
            if len(rows) >= 500:
                PublishedFile.objects.bulk_create(rows)
                rows = []
        PublishedFile.objects.bulk_create(rows)
        _persist_dependencies(build)
        state.release = str(build.release)
        state.theme = fingerprint(build.salt)
        state.shards = build.shards
        state.vocabulary = build.vocabulary.digest
        state.published_at = timezone.now()
        state.pending_shards = [] if build.full else sorted(build.changed_shards)
        state.search_gone = sorted(set(build.gone))
        state.indexed = True
        state.save()
        if build.compact:
            for shard in {o.shard for o in build.outputs if o.shard is not None}:
                PublishedFile.objects.filter(
                    target=target, path__in=[o.path for o in build.outputs if o.shard == shard]).update(shard=shard)


def _persist_dependencies(build: Build):
    """The dependency index: an edit replaces the rows of the files it wrote or removed; a publish
    that planned every file rebuilds it whole (so an index that missed something heals)."""
    site = build.state
    if build.incremental:
        gone = [*build.records, *build.stale]
        for start in range(0, len(gone), 500):
            OutputDependency.objects.filter(site=site, path__in=gone[start:start + 500]).delete()
    else:
        OutputDependency.objects.filter(site=site).delete()

    def shown():
        for path, record in build.records.items():
            yield path, record[3]
        if not build.incremental:   # the planned files this publish did not rewrite
            for o in build.outputs:
                if o.path not in build.records:
                    known = build.known.get(o.path)
                    yield o.path, shown_pages(build.model, o, known.links if known else None)
                    o.drop()
    rows = []
    for path, ids in shown():
        rows += [OutputDependency(site=site, page_id=pk, path=path) for pk in ids]
        if len(rows) >= 5000:   # bounded memory at province scale (millions of rows)
            OutputDependency.objects.bulk_create(rows)
            rows = []
    OutputDependency.objects.bulk_create(rows)


# -- 6. reindex -----------------------------------------------------------------------------------
def _reindex(build: Build):
    """The pages are live; now the search shards that hold them are rebuilt in another release and
    swapped in (when the hot shard was full, every shard: the pages did not wait for that). If
    this fails the shards stay pending for next time."""
    if build.full or not build.changed_shards:
        return
    search_release = releases.new_release(build.out, build.release)
    try:
        _index_search(build, search_release)
        releases.go_live(build.out, search_release)
    except BaseException:
        releases.discard(search_release)
        raise
    build.result.release = search_release
    SiteTarget.objects.filter(pk=build.state.pk).update(pending_shards=[])
    build.mark("search")
