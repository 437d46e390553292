"""Search benchmark: 10,000 generated Chinese lessons, both backends, through the real HTTP API.

    .venv/bin/python bench/search.py [--lessons 10000] [--requests 400] [--workers 4]

Prints, for the embedded backend (SQLite FTS5) and Elasticsearch (a real node started from
Maven Central, see search/esnode.py):
- indexing throughput (entries per second, jieba segmentation included) for a full rebuild;
  each generated lesson is about one demo lesson's topic (mostly its sentences), so word
  frequencies look like a real catalogue's rather than every word being in every lesson;
- query latency p50/p95 of GET /api/search/ (gunicorn, ``--workers`` sync workers) at 1 and 16
  concurrent clients, over parent queries from tests/search/judged.yaml and the parents' judged
  set (tests/search/parents/queries.yaml), plus the engine's own
  ``took_ms``; and, as a baseline measured in the same run, the same server answering a request
  that does no search (``/api/search/suggest/?q=``), with the ratio.

Everything runs in a private temporary folder (its own SQLite database); nothing is left behind.
The per-address search limit (GONGYU_SEARCH_PER_MINUTE) is lifted for the bench's server: one
client sends hundreds of searches a minute on purpose.
Goals on 2 cores (issue 3): embedded p95 <= 30 ms, Elasticsearch p95 <= 50 ms, on an idle
machine: the load average (``uptime``) is printed before and after each backend, next to the
same run's no-search request p95, so a figure taken on a busy machine says so.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def setup_django(var_dir):
    os.environ["GONGYU_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings"
    os.environ.setdefault("GONGYU_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def corpus():
    """The demo curriculum's items (each with its own sentences) and titles: a generated lesson is
    about one of them, as real lessons are each about one topic."""
    import yaml

    items, titles = [], []

    def sentences_of(value):
        out = []
        if isinstance(value, dict):
            for v in value.values():
                out += sentences_of(v)
        elif isinstance(value, list):
            for v in value:
                out += sentences_of(v)
        elif isinstance(value, str) and len(value) > 12:
            for part in value.replace("\n", "").replace("!", "。").replace("?", "。").split("。"):
                if len(part) > 8:
                    out.append(part + "。")
        return out

    for path in sorted((REPO / "curricula" / "demo" / "studios").glob("*.yaml")):
        studio = yaml.safe_load(path.read_text(encoding="utf-8"))
        for course in studio.get("courses", []):
            for lesson in course.get("lessons", []):
                items.append((lesson["title"], lesson.get("summary", ""), sentences_of(lesson), course.get("problems", [])))
                titles.append(lesson["title"])
        for micro in studio.get("micro_lessons", []):
            items.append((micro["title"], micro.get("summary", ""), sentences_of(micro), micro.get("problems", [])))
            titles.append(micro["title"])
    return items, titles


def generate(n, seed=7):
    """n lessons of ~1,400 characters: each one mostly about one demo lesson's topic (its sentences,
    shuffled and repeated), plus a few sentences from anywhere."""
    from search.documents import make_entry

    rng = random.Random(seed)
    items, titles = corpus()
    everything = [s for item in items for s in item[2]]
    stages = ["kindergarten", "primary-lower", "primary-upper", "junior", "senior"]
    themes = ["communication", "mental-health", "study-habits", "digital-literacy", "character", "labor",
              "safety", "health", "family-relations", "transitions"]
    for i in range(n):
        title, summary, own, problems = rng.choice(items)
        body, length = [], 0
        while length < 1400:
            s = rng.choice(own) if own and rng.random() < 0.8 else rng.choice(everything)
            body.append(s)
            length += len(s)
        yield make_entry(
            f"bench-{i}", kind="lesson", url=f"/studios/bench/course-{i // 5}/lesson-{i}/", path=f"0001{i:08d}",
            title=f"{title}(第{i}课)", summary=summary, body="".join(body),
            problem=" ".join(rng.sample(titles, 1)), shelf="",
            stages=rng.sample(stages, 2), themes=rng.sample(themes, 1), problems=list(problems)[:3],
        )


def uptime():
    """The machine's load average as ``uptime`` prints it (1, 5, 15 minutes)."""
    try:
        return "load average " + ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average unknown"


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def serve(env, workers):
    port = __import__("search.esnode", fromlist=["free_port"]).free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cms.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/search/suggest/?q=", timeout=5).read()
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def load(url, paths, clients, total):
    latencies, took, errors = [], [], []
    lock = threading.Lock()
    counter = iter(range(total))

    def client():
        import json

        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url + paths[i % len(paths)], timeout=30) as r:
                    data = json.loads(r.read())
            except Exception as error:  # noqa: BLE001 - a failed request is counted, not fatal
                with lock:
                    errors.append(repr(error))
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if "took_ms" in data:
                    took.append(data["took_ms"])

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return latencies, took, errors, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", default="1,16", help="comma-separated client counts (default 1,16)")
    parser.add_argument("--backends", default="embedded,elasticsearch")
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    var_dir = Path(tempfile.mkdtemp(prefix="gongyu-bench-search-"))
    node = None
    try:
        setup_django(var_dir)
        from search.backends import get_backend
        from search.esnode import Node
        from search.relevance import load_judged, parents_queries

        print(f"Generating {args.lessons} Chinese lessons (~1,400 characters each)…", flush=True)
        entries = list(generate(args.lessons))
        _, judged = load_judged()
        # The demo judged queries and the parents' set (questions, colloquial words, typos).
        queries = [q["q"] for q in judged] + [q["q"] for q in parents_queries()]
        paths = [f"/api/search/?{urllib.parse.urlencode({'q': q})}" for q in queries]
        paths += [f"/api/search/?{urllib.parse.urlencode({'q': q, 'stage': 'junior'})}" for q in queries[:10]]
        baseline_paths = ["/api/search/suggest/?q="]

        node = Node().start()
        alias = "bench-entries"
        rows = []
        print(f"Machine before indexing: {uptime()}", flush=True)
        for name in backends:
            options = {"url": node.url, "alias": alias} if name == "elasticsearch" else {}
            backend = get_backend(name, **options)
            started = time.perf_counter()
            count = backend.rebuild(iter(entries))
            seconds = time.perf_counter() - started
            print(f"\n[{name}] indexed {count} entries in {seconds:.1f} s = {count / seconds:.0f} entries/s", flush=True)
            env = dict(os.environ, GONGYU_SEARCH_BACKEND=name, GONGYU_ELASTICSEARCH_URL=node.url, GONGYU_ES_INDEX=alias,
                       DJANGO_SETTINGS_MODULE="cms.settings", GONGYU_VAR_DIR=str(var_dir),
                       GONGYU_SEARCH_PER_MINUTE="100000000")
            process, url = serve(env, args.workers)
            try:
                load(url, paths, 4, len(paths) * 2)  # warm up every worker
                base, _, _, _ = load(url, baseline_paths, 1, 100)
                base_p95 = percentile(base, 95)
                print(f"[{name}] baseline (no search) p95 {base_p95:.1f} ms; {uptime()}", flush=True)
                for clients in client_counts:
                    lat, took, errors, wall = load(url, paths, clients, args.requests)
                    p50, p95 = percentile(lat, 50), percentile(lat, 95)
                    rows.append((name, clients, p50, p95, percentile(took, 50), percentile(took, 95), len(lat) / wall,
                                 len(errors), base_p95, uptime()))
                    print(
                        f"[{name}] {clients:>2} client(s): HTTP p50 {p50:6.1f} ms  p95 {p95:6.1f} ms | engine took_ms p50 "
                        f"{percentile(took, 50):5.1f} p95 {percentile(took, 95):5.1f} | {len(lat) / wall:5.1f} req/s | "
                        f"errors {len(errors)} | baseline (no search) p95 {base_p95:.1f} ms, ratio {p95 / base_p95:.1f}x | {uptime()}",
                        flush=True,
                    )
            finally:
                os.killpg(process.pid, 15)
                process.wait(timeout=30)
        print("\nSummary (goals on 2 cores, idle machine: embedded p95 <= 30 ms, Elasticsearch p95 <= 50 ms at 1 client)")
        print(f"{'backend':<14}{'clients':>8}{'p50 ms':>9}{'p95 ms':>9}{'engine p95':>12}{'req/s':>8}{'errors':>8}"
              f"{'no-search p95':>15}  load at the time")
        for name, clients, p50, p95, _, tp95, rps, errs, base_p95, load_at in rows:
            print(f"{name:<14}{clients:>8}{p50:>9.1f}{p95:>9.1f}{tp95:>12.1f}{rps:>8.1f}{errs:>8}{base_p95:>15.1f}  {load_at}")
        print(f"Machine at the end: {uptime()}")
    finally:
        if node:
            node.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
