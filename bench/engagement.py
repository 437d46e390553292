#!/usr/bin/env python
"""Benchmark of participation (issue 13), in a private state folder, over loopback.

    .venv/bin/python bench/engagement.py [--events 20000] [--batch 6] [--raw 1000000] [--quick] [--keep]

Starts gunicorn (2 workers, production settings, SQLite in a temp folder — or DATABASE_URL) and
prints, all measured in the same run:
  (a) ingest: a paced run at the goal's rate (--rate events/s for --seconds, open loop: each
      request leaves at its scheduled time, latency measured from then, so a server that falls
      behind shows it), batched as the site sends a lesson's events and, as the baseline, the
      same rate sent one request per event; then the most the server takes (closed loop,
      --clients connections) both ways; stored == sent;
  (b) the rollup of N raw events (default 1,000,000 over one week, 100 schools);
  (c) the term report for 100 schools, read from the rollups.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000, help="events sent batched")
    parser.add_argument("--baseline-events", type=int, default=4000, help="events sent one per request")
    parser.add_argument("--batch", type=int, default=6, help="events per request (a lesson: view, play, 50 %%, 90 %%, check-in, rating)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rate", type=int, default=1000, help="events/s of the paced run (the goal's sustained rate)")
    parser.add_argument("--seconds", type=int, default=20, help="how long the paced run lasts")
    parser.add_argument("--raw", type=int, default=1_000_000, help="raw events for the rollup")
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.events, args.baseline_events, args.raw, args.seconds = 2000, 500, 50_000, 5
    return args


ARGS = parse()
WORK = Path(tempfile.mkdtemp(prefix="gongyu-bench-engagement-"))
os.environ.update(GONGYU_VAR_DIR=str(WORK / "var"), GONGYU_SITE_AUTO_PUBLISH="0", DJANGO_SETTINGS_MODULE="cms.settings",
                  GONGYU_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
                  # the bench is one address sending a whole district's traffic
                  GONGYU_ENGAGEMENT_ADDRESS_PER_MINUTE="100000000")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from cms.catalogue.models import CoursePage  # noqa: E402
from cms.catalogue.structure import ensure_site  # noqa: E402
from cms.studios.api import create_studio  # noqa: E402
from cms.topics.models import School  # noqa: E402
from engagement import kinds, reports  # noqa: E402
from engagement.models import RawEvent  # noqa: E402
from engagement.periods import monday, term_start  # noqa: E402
from engagement.rollup import run_rollup  # noqa: E402

rng = random.Random(13)
LESSON = ["view", "play", "watch50", "watch90", "checkin", "rating"]


def setup():
    call_command("migrate", verbosity=0)
    ensure_site()
    studio = create_studio("基准工作室", slug="bench").studio
    pages = []
    for n in range(20):
        course = CoursePage(title=f"基准课程 {n}", slug=f"bench-{n}", summary="基准")
        studio.add_child(instance=course)
        course.save_revision().publish()
        pages.append(course.pk)
    School.objects.bulk_create([School(code=f"S{n:03d}", name=f"基准学校 {n}", families=1000, class_count=20)
                                for n in range(1, ARGS.schools + 1)])
    return pages


def start_server():
    port = 18600 + os.getpid() % 1000
    env = {**os.environ, "GONGYU_STATIC_MANIFEST": "0"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "cms.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                "--log-level", "warning"], env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}/api/engagement/events/"
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.options(url, timeout=10)
            return process, url
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def make_bodies(pages, total, per_request, prefix):
    """Request bodies: each family sends one lesson's events, ``per_request`` at a time."""
    bodies, sent = [], 0
    while sent < total:
        device = f"{rng.getrandbits(128):032x}"
        school, klass, page = f"S{rng.randrange(1, ARGS.schools + 1):03d}", rng.randrange(1, 21), rng.choice(pages)
        now = int(time.time() * 1000)
        events = [{"id": f"{prefix}{i}", "kind": k, "page": page, "t": now} | ({"value": "good"} if k == "rating" else {})
                  for i, k in enumerate(LESSON)]
        for start in range(0, len(events), per_request):
            chunk = events[start:start + per_request][: total - sent]
            if not chunk:
                break
            bodies.append((json.dumps({"device": device, "school": school, "class": klass, "events": chunk}), len(chunk)))
            sent += len(chunk)
    return bodies


def server_cpu(master):
    """CPU seconds used so far by gunicorn's master and workers (user + system)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def send_all(url, bodies):
    sessions = {}

    def one(item):
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        body, n = item
        started = time.perf_counter()
        response = session.post(url, data=body.encode(), headers={"Content-Type": "text/plain"}, timeout=60)
        elapsed = time.perf_counter() - started
        return elapsed, response.status_code, response.json().get("accepted", 0) if response.ok else 0

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(ARGS.clients) as pool:
        results = list(pool.map(one, bodies))
    wall = time.perf_counter() - started
    latencies = sorted(r[0] for r in results)
    events = sum(n for _, n in bodies)
    return {"events": events, "requests": len(bodies), "wall": wall, "events_per_s": events / wall,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "median_ms": 1000 * statistics.median(latencies),
            "accepted": sum(r[2] for r in results), "errors": sum(1 for r in results if r[1] != 200)}


def send_paced(url, bodies, per_second):
    """Send ``bodies`` at ``per_second`` requests a second (open loop); latency counts from each
    request's scheduled time."""
    import threading

    lock, position, results = threading.Lock(), [0], []
    start = time.perf_counter() + 0.5

    def worker():
        session = requests.Session()
        while True:
            with lock:
                i = position[0]
                position[0] += 1
            if i >= len(bodies):
                return
            due = start + i / per_second
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body, n = bodies[i]
            response = session.post(url, data=body.encode(), headers={"Content-Type": "text/plain"}, timeout=60)
            done = time.perf_counter()
            results.append((done - due, response.status_code, response.json().get("accepted", 0) if response.ok else 0))

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = max(time.perf_counter() - start, 1e-9)
    latencies = sorted(r[0] for r in results)
    events = sum(n for _, n in bodies)
    return {"events": events, "requests": len(bodies), "wall": wall, "events_per_s": events / wall,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "median_ms": 1000 * statistics.median(latencies),
            "accepted": sum(r[2] for r in results), "errors": sum(1 for r in results if r[1] != 200)}


def fill_raw(n, pages):
    """n raw events over one week (as the worker would find them after a peak week)."""
    RawEvent.objects.all().delete()
    week = monday(timezone.localdate())
    school_ids = list(School.objects.values_list("pk", flat=True))
    rows, chunk = [], 20000
    devices = [f"{rng.getrandbits(128):032x}" for _ in range(max(n // 6, 1))]
    for i in range(n):
        kind = rng.choice(list(kinds.KINDS.values()))
        rows.append(RawEvent(key=f"raw{i}", device=devices[i // 6 % len(devices)], school_id=school_ids[(i // 6) % len(school_ids)],
                             klass=1 + (i // 6) % 20, page_id=rng.choice(pages), kind=kind,
                             value=rng.randrange(1, 4) if kind == kinds.RATING else None,
                             day=week + datetime.timedelta(days=rng.randrange(7))))
        if len(rows) == chunk:
            RawEvent.objects.bulk_create(rows)
            rows = []
    RawEvent.objects.bulk_create(rows)


def main():
    print("uptime at start:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    pages = setup()
    process, url = start_server()
    paced_total = ARGS.rate * ARGS.seconds
    try:
        bodies = make_bodies(pages, paced_total, ARGS.batch, "pb")
        paced = send_paced(url, bodies, ARGS.rate / ARGS.batch)
        bodies = make_bodies(pages, min(paced_total, ARGS.baseline_events * 2), 1, "ps")
        paced_single = send_paced(url, bodies, ARGS.rate)
        bodies = make_bodies(pages, ARGS.events, ARGS.batch, "b")
        cpu = server_cpu(process.pid)
        batched = send_all(url, bodies)
        batched["cpu"] = server_cpu(process.pid) - cpu
        bodies = make_bodies(pages, ARGS.baseline_events, 1, "s")
        cpu = server_cpu(process.pid)
        single = send_all(url, bodies)
        single["cpu"] = server_cpu(process.pid) - cpu
    finally:
        process.terminate()
        process.wait(timeout=30)
    stored = RawEvent.objects.count()
    for name, run in ((f"batched, {ARGS.batch}/request", paced), ("baseline, 1/request", paced_single)):
        print(f"paced at {ARGS.rate} events/s ({name}): sustained {run['events_per_s']:.0f} events/s, "
              f"p95 {run['p95_ms']:.1f} ms, median {run['median_ms']:.1f} ms per request (from the scheduled time), "
              f"{run['accepted']}/{run['events']} accepted, {run['errors']} errors")
    print(f"ingest, batched ({ARGS.batch}/request, {ARGS.clients} connections): {batched['events_per_s']:.0f} events/s, "
          f"p95 {batched['p95_ms']:.1f} ms, median {batched['median_ms']:.1f} ms per request, "
          f"{batched['accepted']}/{batched['events']} accepted, {batched['errors']} errors")
    print(f"ingest, baseline (1/request): {single['events_per_s']:.0f} events/s, p95 {single['p95_ms']:.1f} ms, "
          f"{single['accepted']}/{single['events']} accepted, {single['errors']} errors")
    for name, run in (("batched", batched), ("baseline", single)):
        print(f"  {name}: server CPU {1000 * run['cpu'] / run['events']:.2f} ms per event "
              f"→ {2 * run['events'] / run['cpu']:.0f} events/s on 2 otherwise idle cores")
    print(f"  batched / baseline: {batched['events_per_s'] / single['events_per_s']:.1f}× the events per second; "
          f"stored {stored} of {batched['events'] + single['events'] + paced['events'] + paced_single['events']} sent")

    started = time.perf_counter()
    fill_raw(ARGS.raw, pages)
    fill = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()   # SQLite runs in this process
    result = run_rollup(now=timezone.now() + datetime.timedelta(minutes=1))
    rollup, rollup_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"rollup of {ARGS.raw:,} raw events ({result['slices']} slices, {result['rows']:,} rollup rows): {rollup:.1f} s "
          f"wall, {rollup_cpu:.1f} s CPU (insert {fill:.1f} s)")

    started, cpu = time.perf_counter(), time.process_time()
    report = reports.participation("T", term_start(timezone.localdate()), None)
    term, term_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"term report for {len(report['rows'])} schools: {1000 * term:.0f} ms wall, {1000 * term_cpu:.0f} ms CPU "
          f"(families reached {report['total']['reached']:,})")
    print(f"load: {os.getloadavg()}")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    try:
        main()
    finally:
        if not ARGS.keep:
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print("kept", WORK)
