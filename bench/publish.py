#!/usr/bin/env python
"""Benchmark of the parent-site publish (issues 6 and 17), in a private state folder.

    .venv/bin/python bench/publish.py --lessons 1000 [--edits 20] [--merged] [--keep]

Generates N five-step lessons (10 per course, realistic Chinese text of ~1,400 characters each)
and prints, all measured in the same run (the machine's load from ``uptime`` before and after):
  (a) full build time of ``publish`` (pages + sharded Pagefind) and the peak memory of the whole
      process tree during it (PSS of this process and every child, sampled every 0.2 s), with what
      each process held at the peak (``--memory-trace FILE``: every sample; ``--full-only``: stop
      after it; ``--render-pool-ab``: the full build with render workers kept for the whole build
      and no gc.freeze, then as shipped);
  (b) N random single-lesson edits (published with the page named, as the worker does): time
      until the page and every listing showing it are live,
      and until the search index holding it is live (findable), median and max; the last edit is
      also searched for in chromium until found;
  (c) the naive baseline: a plain ``mkdocs build`` (mkdocs-material, its search plugin on) of the
      same pages exported as Markdown sources, then Pagefind over its output — with the ratio;
  (d) bytes a browser downloads for its first search (gzip on the wire: Pagefind files, site.json
      and search.js), for every judged query of tests/search/judged.yaml and
      tests/search/parents/queries.yaml in a fresh browser context: min / median / max; with
      ``--merged`` the same for one merged Pagefind index of the same pages (Pagefind's own
      chunking) instead of the shards.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--edits", type=int, default=20, help="random single-lesson edits to time")
    parser.add_argument("--merged", action="store_true", help="also measure one merged Pagefind index")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--full-only", action="store_true", help="stop after the full build (a)")
    parser.add_argument("--memory-trace", metavar="FILE",
                        help="append every memory sample of the full build (seconds, GB, GB per process) to FILE")
    parser.add_argument("--profile", action="store_true", help="profile the full build and stop")
    parser.add_argument("--profile-edit", action="store_true", help="profile the one-lesson publish and stop")
    parser.add_argument("--first-screen-ab", action="store_true",
                        help="full build twice: first-screen index written after the render (before) and "
                             "from the render workers' entries (after); compare and stop")
    parser.add_argument("--render-pool-ab", action="store_true",
                        help="full build twice: render workers kept for the whole build with the garbage "
                             "collector passing over the parent's objects (before), then renewed every "
                             "GONGYU_PUBLISH_WORKER_FILES files with those objects frozen (after); compare and stop")
    parser.add_argument("--edit-rows", action="store_true",
                        help="count the queries and rows one single-lesson publish reads, then stop")
    return parser.parse_args()


ARGS = parse()
WORK = Path(tempfile.mkdtemp(prefix=f"gongyu-bench-publish-{ARGS.lessons}-"))
os.environ.update(GONGYU_VAR_DIR=str(WORK / "var"), GONGYU_SITE_AUTO_PUBLISH="0",
                  GONGYU_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
                  DJANGO_SETTINGS_MODULE="cms.settings", NO_MKDOCS_2_WARNING="1")

# subprocess starts Pagefind with vfork: until it executes Pagefind, the child runs in this
# process's own memory, and /proc shows it with this process's figures — a sample taken then would
# count this process twice (seen: 1.20 GB "peak" at 100,000 lessons, 0.60 of it the vfork child).
# With a plain fork the child's pages are shared and PSS counts them once: the figure is then, if
# anything, above what the publish uses with vfork.
subprocess._USE_VFORK = False

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from wagtail.models import Page  # noqa: E402

from cms.catalogue.models import CoursePage, LessonPage, StudioPage  # noqa: E402
from cms.catalogue.structure import ensure_site, studio_index  # noqa: E402
from cms.publishing.api import export_markdown, publish  # noqa: E402
from cms.publishing.searchindex import PAGES_PER_SHARD  # noqa: E402
from cms.taxonomy.models import Problem, Stage, Theme  # noqa: E402
from transcoding.api import VideoAsset  # noqa: E402

rng = random.Random(6)
SUBJECTS = ["孩子", "青春期的孩子", "上初中的儿子", "刚上一年级的女儿", "留守在家的孩子", "高三的孩子", "幼儿园的小朋友"]
TROUBLES = ["总是抱着手机不放", "写作业拖拉磨蹭", "一说就顶嘴", "考试前紧张得睡不着", "不愿意和父母交流", "沉迷短视频",
            "早上不肯起床", "和同学闹了矛盾", "做事没有耐心", "不肯做家务", "遇到挫折就发脾气", "周末只想打游戏"]
ACTIONS = ["先放下评判,听孩子把话说完", "和孩子一起商量家庭规则", "用具体的话表扬孩子的努力", "给孩子留出自己安排的时间",
           "把大任务拆成几个小步骤", "睡前一小时全家放下屏幕", "每天留十分钟专心陪伴", "用“我信息”说出自己的感受",
           "约定好时间再开始玩", "让孩子参与家务并说声谢谢", "和老师保持沟通,了解孩子在校情况", "情绪上来时先深呼吸再说话"]
REASONS = ["这样孩子会感到被尊重", "规则是一起定的,孩子更愿意遵守", "孩子需要看到自己的进步", "亲子关系是一切教育的基础",
           "家长的榜样比说教更有力量", "小步前进更容易坚持", "孩子的大脑还在发育,需要我们耐心等待"]


def sentence():
    return (f"{rng.choice(SUBJECTS)}{rng.choice(TROUBLES)},家长可以{rng.choice(ACTIONS)},"
            f"{rng.choice(REASONS)}。")


def paragraph(chars):
    text = ""
    while len(text) < chars:
        text += sentence()
    return text


def lesson_body(video_id):
    def item(value):
        return {"type": "item", "value": value, "id": str(uuid.uuid4())}

    blocks = [
        ("video_intro", {"video": video_id, "text": paragraph(150)}),
        ("discussion", {"text": paragraph(120), "prompts": [item(paragraph(40)) for _ in range(3)],
                        "cases": [item({"title": "案例:" + rng.choice(TROUBLES), "text": paragraph(300)})]}),
        ("summary", {"text": paragraph(80), "points": [item(paragraph(50)) for _ in range(4)]}),
        ("homework", {"text": paragraph(60), "tasks": [item({"title": "家庭作业:" + rng.choice(ACTIONS), "text": paragraph(200)})]}),
        ("extension", {"text": paragraph(60), "micro_lessons": []}),
    ]
    return json.dumps([{"type": t, "value": v, "id": str(uuid.uuid4())} for t, v in blocks], ensure_ascii=False)


def insert_children(parent, model, rows, extra_columns):
    """Insert many child pages of one model at once (Wagtail's add_child is one page at a time)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(model)
    start = parent.numchild
    from django.utils import timezone

    now = timezone.now()
    pages = []
    for i, row in enumerate(rows, start=1):
        path = model._get_path(parent.path, parent.depth + 1, start + i)
        pages.append(Page(
            path=path, depth=parent.depth + 1, numchild=0, title=row["title"], draft_title=row["title"],
            slug=row["slug"], content_type=ct, live=True, has_unpublished_changes=False,
            url_path=parent.url_path + row["slug"] + "/", first_published_at=now, last_published_at=now,
            locale_id=parent.locale_id, translation_key=uuid.uuid4()))
    Page.objects.bulk_create(pages, batch_size=500)
    created = {p.path: p.pk for p in Page.objects.filter(path__in=[p.path for p in pages])}
    table = model._meta.db_table
    cols = ["page_ptr_id"] + extra_columns
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
            [[created[p.path]] + [row[c] for c in extra_columns] for p, row in zip(pages, rows, strict=True)])
    Page.objects.filter(pk=parent.pk).update(numchild=start + len(rows))
    parent.numchild = start + len(rows)
    return [created[p.path] for p in pages]


def generate(n_lessons):
    call_command("migrate", verbosity=0)
    taxonomy = yaml.safe_load((REPO / "curricula/demo/taxonomy.yaml").read_text())
    for i, s in enumerate(taxonomy["stages"]):
        Stage.objects.create(code=s["code"], name=s["name"], sort_order=i)
    themes = {}
    for i, t in enumerate(taxonomy["themes"]):
        themes[t["code"]] = Theme.objects.create(code=t["code"], name=t["name"], sort_order=i)
    stages = list(Stage.objects.all())
    for i, p in enumerate(taxonomy["problems"]):
        problem = Problem.objects.create(code=p["code"], title=p["title"], theme=themes[p["theme"]], sort_order=i)
        problem.stages.set([s for s in stages if s.code in p.get("stages", [])])
    problems = list(Problem.objects.all())
    ensure_site()
    video = VideoAsset.objects.create(key="bench-video", title="示例视频", original="videos/originals/bench.mp4")
    n_courses = -(-n_lessons // 10)
    n_studios = max(1, -(-n_courses // 100))
    made = 0
    for s in range(n_studios):
        index = studio_index()
        studio = StudioPage(title=f"第{s + 1}家庭教育名师工作室", slug=f"studio-{s + 1}", introduction=paragraph(200))
        index.add_child(instance=studio)
        studio.save_revision().publish()
        studio = Page.objects.get(pk=studio.pk)
        count = min(100, n_courses - s * 100)
        course_rows = [{"title": f"{rng.choice(TROUBLES)}?家长课第{s * 100 + c + 1}讲", "slug": f"course-{c + 1}",
                        "summary": paragraph(60)[:200], "introduction": paragraph(300)} for c in range(count)]
        course_ids = insert_children(studio, CoursePage, course_rows, ["summary", "introduction"])
        through = CoursePage.problems.through
        through.objects.bulk_create([through(coursepage_id=cid, problem_id=rng.choice(problems).pk) for cid in course_ids])
        CoursePage.stages.through.objects.bulk_create(
            [CoursePage.stages.through(coursepage_id=cid, stage_id=rng.choice(stages).pk) for cid in course_ids])
        CoursePage.themes.through.objects.bulk_create(
            [CoursePage.themes.through(coursepage_id=cid, theme_id=rng.choice(list(themes.values())).pk) for cid in course_ids])
        for cid in course_ids:
            course = Page.objects.get(pk=cid)
            n = min(10, n_lessons - made)
            if n <= 0:
                break
            rows = [{"title": f"{rng.choice(SUBJECTS)}{rng.choice(TROUBLES)}怎么办(第{made + i + 1}课)", "slug": f"lesson-{i + 1}",
                     "summary": paragraph(50)[:200], "body": lesson_body(video.pk)} for i in range(n)]
            insert_children(course, LessonPage, rows, ["summary", "body"])
            made += n
    return made


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    result = fn(*args, **kwargs)
    return time.monotonic() - start, result


def site_text(out, url):
    return (out / url.strip("/") / "index.html").read_text()


SMAPS_ROLLUP = os.path.exists("/proc/self/smaps_rollup")   # Linux ≥ 4.14


def pss(pid, rss):
    """Proportional set size: a page shared by forked render workers counts once over them all
    (summing RSS would count the parent's site model once per worker). RSS only where the kernel
    has no smaps_rollup. A process that ended since its RSS was read holds nothing (counting that
    RSS — shared pages included — made a worker that exited at a pool's handover look like 0.49 GB)."""
    if not SMAPS_ROLLUP:
        return rss
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0   # gone, or exiting (no memory left to show)


class PeakMemory:
    """Peak memory of this process and all its descendants (PSS), sampled from /proc."""

    def __init__(self, every=0.2):
        self.every, self.peak, self.at_peak, self._stop = every, 0, {}, threading.Event()
        self.trace = open(ARGS.memory_trace, "a") if ARGS.memory_trace else None   # noqa: SIM115
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        if self.trace is not None:
            self.trace.close()

    def _run(self):
        page = os.sysconf("SC_PAGE_SIZE")
        root = os.getpid()
        while not self._stop.is_set():
            parents, rss = {}, {}
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                    parents[int(pid)] = int(fields[1])
                    rss[int(pid)] = int(fields[21]) * page
                except (OSError, IndexError, ValueError):
                    continue
            tree, total = {root}, 0
            changed = True
            while changed:
                changed = False
                for pid, ppid in parents.items():
                    if ppid in tree and pid not in tree:
                        tree.add(pid)
                        changed = True
            sizes = {pid: pss(pid, rss[pid]) for pid in tree if pid in rss}
            total = sum(sizes.values())
            if total > self.peak:
                self.peak, self.at_peak = total, self._compose(root, sizes)
            if self.trace is not None:
                parts = self._compose(root, sizes)
                self.trace.write(f"{time.monotonic() - self.started:.1f} {total / 2**30:.3f} " + " ".join(
                    f"{name}=" + "+".join(f"{v / 2**30:.3f}" for v in values) for name, values in parts.items()) + "\n")
            self._stop.wait(self.every)

    @staticmethod
    def _compose(root, sizes):
        """{"this process" | process name: [PSS of each]} at one sample, to say where a peak is."""
        parts = {}
        for pid, size in sizes.items():
            try:
                name = "this process" if pid == root else Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                name = "?"
            parts.setdefault(name, []).append(size)
        return parts

    def composition(self) -> str:
        return ", ".join(f"{name} " + " + ".join(f"{v / 2**30:.2f}" for v in sorted(values, reverse=True))
                         for name, values in sorted(self.at_peak.items(), key=lambda kv: -sum(kv[1])))


def load():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def judged_queries():
    queries = []
    for path in (REPO / "tests/search/judged.yaml", REPO / "tests/search/parents/queries.yaml"):
        queries += [q["q"] for q in yaml.safe_load(path.read_text())["queries"]]
    return list(dict.fromkeys(queries))


class Server:
    def __init__(self, root):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen([sys.executable, str(REPO / "bench" / "serve_site.py"), str(root), str(self.port)])
        self.base = f"http://127.0.0.1:{self.port}"
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/pagefind/site.json", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def close(self):
        self.process.terminate()
        self.process.wait()


def search_until_found(base, word, url, started):
    """Poll the built site's search in chromium until ``url`` is a result for ``word``."""
    from playwright.sync_api import sync_playwright

    from tests.site.search_eval import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        while True:
            page.goto(base + "/search/")
            page.wait_for_function("typeof window.gongyuSearch === 'function'")
            found = page.evaluate("q => window.gongyuSearch(q)", word)
            if url in found["urls"]:
                break
            if time.monotonic() - started > 120:
                raise SystemExit("search never found the edited lesson")
        browser.close()
    return time.monotonic() - started


def first_search_bytes(base, queries, detail=False):
    """{query: bytes on the wire for the first search in a fresh browser (no cache)}; with
    ``detail``, {query: {"sizes": {url: bytes}, "searched": [words looked up]}} (bench/search_bytes.py
    splits them by kind)."""
    from playwright.sync_api import sync_playwright

    from tests.site.search_eval import CHROMIUM_ARGS

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for query in queries:
            # A fresh context (empty cache) without the site's service worker, which would answer
            # from its own cache and hide the bytes.
            context = browser.new_context(service_workers="block")
            page = context.new_page()
            finished = []

            def on_finished(request, finished=finished):
                if "/pagefind/" in request.url or "/assets/javascripts/search" in request.url:
                    finished.append(request)

            page.on("requestfinished", on_finished)
            page.goto(base + "/search/")
            page.wait_for_function("typeof window.gongyuSearch === 'function'")
            found = page.evaluate("q => window.gongyuSearch(q)", query)
            page.wait_for_load_state("networkidle")
            # Sizes are read while the page is still open (a closed one cannot answer).
            sizes = {r.url: r.sizes()["responseBodySize"] for r in finished}
            out[query] = {"sizes": sizes, "searched": found.get("searched", [])} if detail else sum(sizes.values())
            context.close()
        browser.close()
    return out


def merged_copy(live, searchable_files):
    """The live site with one Pagefind index of every searchable page (Pagefind's own chunking)."""
    from cms.publishing.searchindex import index_shards

    root = WORK / "merged" / "site"
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(live), str(root)], check=True)
    shutil.rmtree(root / "pagefind")
    site = json.loads((live / "pagefind" / "site.json").read_text())
    t, _ = timed(index_shards, root, {0: searchable_files})
    (root / "pagefind" / "site.json").write_text(json.dumps(
        {"shards": ["/pagefind/s0/"], "gone": [], "vocabulary": site["vocabulary"]}, ensure_ascii=False))
    return root, t


def naive_baseline(out_dir):
    docs = WORK / "naive" / "docs"
    t_export, pages = timed(export_markdown, docs, WORK / "naive" / "cache")
    config = WORK / "naive" / "mkdocs.yml"
    config.write_text(yaml.safe_dump({
        "site_name": "共育 · 家长课程超市", "docs_dir": str(docs), "site_dir": str(out_dir),
        "theme": {"name": "material", "language": "zh", "font": False, "features": ["navigation.prune"]},
    }, allow_unicode=True))
    t_mkdocs, result = timed(subprocess.run, [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)],
                             capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    from pagefind_bin_extended import get_executable

    t_pagefind, result = timed(subprocess.run, [str(get_executable()), "--site", str(out_dir), "--quiet"],
                               capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    return pages, t_export, t_mkdocs, t_pagefind


def kb(values):
    values = sorted(values)
    return f"{values[0] / 1024:.0f} / {statistics.median(values) / 1024:.0f} / {values[-1] / 1024:.0f} KB"


def main():
    print(f"工作目录 {WORK}")
    print(f"load before: {load()}")
    t_gen, made = timed(generate, ARGS.lessons)
    print(f"generated {made} lessons in {t_gen:.1f} s")
    out = WORK / "var" / "site"
    if ARGS.profile:
        import cProfile
        import pstats

        cProfile.runctx("publish(out, full=True)", globals(), {"out": out}, str(WORK / "profile"))
        pstats.Stats(str(WORK / "profile")).sort_stats("cumulative").print_stats(40)
        return

    if ARGS.first_screen_ab:
        from cms.publishing import publisher

        fs = {}
        for label, in_pool in (("before: written after the render, one process", False),
                               ("after: entries from the render workers", True)):
            publisher.FIRST_SCREEN_IN_POOL = in_pool
            target = WORK / "var" / ("site-pool" if in_pool else "site-serial")
            with PeakMemory() as memory:
                t_full, result = timed(publish, target, full=True)
            root = target.resolve() / "pagefind" / "fs"
            fs[in_pool] = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.json")}
            print(f"(f) {label}: full build {t_full:.1f} s for {result.outputs} files "
                  f"(render {result.timings['render'] - result.timings['plan']:.1f} s, "
                  f"render → search done {result.timings['search'] - result.timings['render']:.1f} s, "
                  f"{result.workers} render processes); peak memory {memory.peak / 2**30:.2f} GB; load {load()}")
        print(f"(f) first-screen files identical: {fs[False] == fs[True]} ({len(fs[True])} files)")
        return

    if ARGS.render_pool_ab:
        from django.test import override_settings

        from cms.publishing import publisher

        for label, renew, freeze in (("before: workers for the whole build, no freeze", 10**9, False),
                                     ("after: workers renewed, parent's objects frozen", None, True)):
            publisher.FREEZE_BEFORE_FORK = freeze
            target = WORK / "var" / ("site-after" if freeze else "site-before")
            with override_settings(**({"GONGYU_PUBLISH_WORKER_FILES": renew} if renew else {})), PeakMemory() as memory:
                t_full, result = timed(publish, target, full=True)
            print(f"(r) {label}: full build {t_full:.1f} s for {result.outputs} files "
                  f"(render {result.timings['render'] - result.timings['plan']:.1f} s, "
                  f"search {result.timings['search'] - result.timings['render']:.1f} s, {result.pools} pools); "
                  f"peak memory {memory.peak / 2**30:.2f} GB ({memory.composition()}); load {load()}", flush=True)
        return

    with PeakMemory() as memory:
        t_full, result = timed(publish, out, full=True)
    print(f"(a) full build: {t_full:.1f} s for {result.outputs} files "
          f"(render {result.timings['render'] - result.timings['plan']:.1f} s, "
          f"search {result.timings['search'] - result.timings['render']:.1f} s, shards {len(result.shards_indexed)}, "
          f"{result.workers} render processes); "
          f"peak memory of the process tree {memory.peak / 2**30:.2f} GB ({memory.composition()})")
    if ARGS.full_only:
        print(f"load after: {load()}")
        return

    def steady_edit(out):
        """Three warm-up edits (the first edits after a full build copy the release once), then a
        lesson in the middle retitled and published, its site publish left to the caller."""
        for n in range(3):
            lesson = LessonPage.objects.order_by("path")[n].specific
            lesson.title = f"预热修改{n}"
            lesson.save_revision().publish()
            publish(out, pages=[lesson.pk])
        lesson = LessonPage.objects.order_by("path")[ARGS.lessons // 2].specific
        lesson.title = "用番茄钟计时法帮孩子专心写作业"
        lesson.save_revision().publish()
        return lesson

    if ARGS.edit_rows:
        from tests.site.rowcount import rows_read

        lesson = steady_edit(out)
        with rows_read() as reads:
            publish(out, pages=[lesson.pk])
        print(f"(e) one single-lesson publish at {ARGS.lessons} lessons: {reads.queries} queries, {reads.rows} rows read; "
              "most rows: " + ", ".join(f"{t} {q}q/{r}r" for t, (q, r) in reads.top()))
        return

    if ARGS.profile_edit:
        import cProfile
        import pstats

        lesson = steady_edit(out)
        cProfile.runctx("publish(out, pages=[lesson.pk])", globals(), {"out": out, "lesson": lesson}, str(WORK / "profile-edit"))
        pstats.Stats(str(WORK / "profile-edit")).sort_stats("cumulative").print_stats(30)
        return

    lessons = list(LessonPage.objects.order_by("path").values_list("pk", flat=True))
    live_times, findable_times = [], []
    word = "番茄钟计时法"
    for n, pk in enumerate(rng.sample(lessons, min(ARGS.edits, len(lessons)))):
        lesson = LessonPage.objects.get(pk=pk)
        last = n == ARGS.edits - 1
        lesson.title = f"用{word}帮孩子专心写作业" if last else f"第{n + 1}次修改:和孩子一起定计划"
        lesson.save_revision().publish()
        started = time.monotonic()
        edit = publish(out, pages=[pk])   # as the worker does: the change feed names the page
        live_times.append(edit.timings["live"])
        findable_times.append(edit.timings["total"])
        url = lesson.url_path[len("/home"):]
        course = lesson.get_parent()
        assert lesson.title in site_text(out, url) and lesson.title in site_text(out, course.url_path[len("/home"):])
    server = Server(out)
    try:
        t_browser = search_until_found(server.base, word, url, started)
        queries = judged_queries()
        t_bytes, sizes = timed(first_search_bytes, server.base, queries)
    finally:
        server.close()
    print(f"(b) {len(live_times)} random edits: page + listings live median {statistics.median(live_times):.2f} s, "
          f"max {max(live_times):.2f} s; search index live (findable) median {statistics.median(findable_times):.2f} s, "
          f"max {max(findable_times):.2f} s; last edit found in chromium {t_browser:.2f} s after its publish started")
    worst = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    print(f"(d) first-search bytes over {len(sizes)} judged queries (shards of {PAGES_PER_SHARD}): "
          f"min / median / max {kb(sizes.values())}; largest: "
          + ", ".join(f"{q} {v / 1024:.0f} KB" for q, v in worst) + f"  ({t_bytes:.0f} s)")
    if ARGS.merged:
        from cms.publishing.models import PublishedFile

        files = sorted(PublishedFile.objects.filter(target=str(out.absolute()), shard__isnull=False).values_list("path", flat=True))
        root, t_index = merged_copy(out.resolve(), files)
        server = Server(root)
        try:
            merged = first_search_bytes(server.base, queries)
        finally:
            server.close()
        worst = sorted(merged.items(), key=lambda kv: -kv[1])[:3]
        print(f"(d') one merged Pagefind index ({len(files)} pages, indexed in {t_index:.0f} s): "
              f"min / median / max {kb(merged.values())}; largest: "
              + ", ".join(f"{q} {v / 1024:.0f} KB" for q, v in worst))

    naive = None
    if not ARGS.skip_baseline:
        pages, t_export, t_mkdocs, t_pagefind = naive_baseline(WORK / "naive" / "site")
        naive = t_mkdocs + t_pagefind
        print(f"(c) naive baseline: mkdocs build {t_mkdocs:.1f} s + Pagefind {t_pagefind:.1f} s = {naive:.1f} s "
              f"(Markdown export of {pages} pages took {t_export:.1f} s, not counted)")
    print(f"load after: {load()}")
    print()
    print(f"| {ARGS.lessons} lessons | measured | goal (issue 17, at 100k) |")
    print("|---|---|---|")
    print(f"| edit → page + listings live ({len(live_times)} edits) | median {statistics.median(live_times):.2f} s, "
          f"max {max(live_times):.2f} s | ≤ 2 s, max ≤ 5 s |")
    print(f"| edit → findable | median {statistics.median(findable_times):.2f} s, max {max(findable_times):.2f} s | ≤ 10 s |")
    print(f"| peak memory, full build (process tree) | {memory.peak / 2**30:.2f} GB | ≤ 1 GB |")
    print(f"| full build | {t_full:.1f} s" + (f" ({t_full / naive:.2f}× naive {naive:.1f} s)" if naive else "")
          + " | ≤ 0.25× naive |")
    print(f"| first-search bytes, min / median / max | {kb(sizes.values())} | ≤ 300 KB every query |")
    if not ARGS.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
