"""Randomized convergence with the real worker (slow): random editor operations of every kind —
publish, unpublish, move, delete, privacy, scheduled go-live and expiry, a video becoming ready,
a video replaced and re-approved, a claim changing, a problem renamed — made in the test process
while a real ``manage.py db_worker`` does the site publishes, the index updates and the
transcodes. The worker is killed (SIGKILL to its process group, ffmpeg included) and started
again at random points. At the end ``publish_site --verify`` finds zero drift between the
database, the site and the search index — run once against the embedded index and once against
the real Elasticsearch node.

Timing: after every operation the test looks at the site's files and the index; a change is
"visible" the first time it is seen (so the resolution is one operation's length). A change
hidden by a later one (its page unpublished, its course made private…) is not timed; the final
check covers it. The figures are printed: operations, faults, p50/p95 seconds change→visible on
the site and in search, the worker's own repairs, drift.

``GONGYU_RANDOM_OPERATIONS`` sets the number of operations (default 30 per index, about four
minutes for both on a loaded machine), ``GONGYU_RANDOM_SECONDS`` an optional time budget for them;
``bench/convergence.py`` runs the few-hundred version.
"""

import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
from cms.core.vocabulary import is_public, page_url
from cms.publishing import release
from cms.publishing.api import publish
from cms.publishing.verify import find_drift, index_documents
from cms.taxonomy.models import Problem
from cms.topics.models import TopicClaim
from search.backends import get_backend
from tests.transcoding.media import video
from transcoding.api import VideoAsset, enqueue_transcode, playback

from .test_convergence import worker_database_url

REPO = Path(__file__).resolve().parents[2]
OPERATIONS = int(os.environ.get("GONGYU_RANDOM_OPERATIONS", "30"))
# A budget for the operations phase (seconds; 0 = none): on a busy machine the bench stops making
# changes when it runs out and reports how many it made (then waits for convergence as usual).
BUDGET = float(os.environ.get("GONGYU_RANDOM_SECONDS", "0"))
SEED = int(os.environ.get("GONGYU_RANDOM_SEED", "20261130"))
PENDING = "视频正在准备中"
ES = pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)


class Worker:
    """``manage.py db_worker`` in a session of its own, killed with its whole process group."""

    def __init__(self, env, log):
        self.env, self.log, self.proc, self.starts = env, log, None, 0

    def start(self):
        self.starts += 1
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.5"], cwd=REPO,
                                         env=self.env, start_new_session=True, stdout=log, stderr=log)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()


def site_text(out, url):
    live = release.current_release(out)
    file = live / url.strip("/") / "index.html" if live else None
    return file.read_text(encoding="utf-8") if file is not None and file.exists() else None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("index", ["embedded", ES])
def test_random_editor_operations_with_a_killed_worker_converge_with_zero_drift(
        index, request, settings, tmp_path, admin_client):
    out = tmp_path / "site"
    settings.SITE_OUTPUT_DIR = out
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.trust.worker_settings",
           "GONGYU_VAR_DIR": str(settings.VAR_DIR),
           "DATABASE_URL": worker_database_url(), "GONGYU_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
           "GONGYU_SITE_DIR": str(out), "GONGYU_SITE_AUTO_PUBLISH": "1", "GONGYU_TICK_SECONDS": "2",
           "GONGYU_VERIFY_SECONDS": "20", "GONGYU_PUBLISH_RETRY_SECONDS": "2", "GONGYU_STATIC_MANIFEST": "0",
           "GONGYU_SEARCH_BACKEND": index}
    if index == "elasticsearch":
        node = request.getfixturevalue("es_node")
        alias = f"test-random-{uuid.uuid4().hex[:8]}"
        settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_INDEX = index, node.url, alias
        env.update(GONGYU_ELASTICSEARCH_URL=node.url, GONGYU_ES_INDEX=alias)
        from search import api

        api.rebuild(get_backend())
    backend = get_backend()
    publish(out)
    # From here on the test process is an editor: its changes queue work for the worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SITE_AUTO_PUBLISH = True

    rng = random.Random(SEED)
    pending = {}              # key -> (since, site check, search check)
    site_seconds, search_seconds = [], []
    done, faults = [], 0
    replaced = []             # assets whose new file waits for the page's next approval

    def expect(key, site=None, search=None, since=None):
        pending[key] = [since or time.monotonic(), site, search]

    def observe():
        docs = index_documents(backend)
        now = time.monotonic()
        for key, entry in list(pending.items()):
            since, site, search = entry
            if now < since:
                continue
            if site is not None and site():
                site_seconds.append(now - since)
                entry[1] = site = None
            if search is not None and search(docs):
                search_seconds.append(now - since)
                entry[2] = search = None
            if site is None and search is None:
                del pending[key]

    def lessons(**kw):
        return list(LessonPage.objects.filter(**kw).order_by("path"))

    def expect_page_shown(page, title):
        url = page_url(page)
        entry = f"page-{page.pk}"
        expect(f"page-{page.pk}",
               site=lambda: (site_text(out, url) or "").find(title) >= 0,
               search=lambda docs: entry in docs and docs[entry][1].get("title") == title and docs[entry][0] == url)

    def expect_page_gone(page):
        url = page_url(page)
        entry = f"page-{page.pk}"
        expect(f"page-{page.pk}", site=lambda: site_text(out, url) is None, search=lambda docs: entry not in docs)

    def op_publish():
        page = rng.choice(lessons())
        page.title = f"随机修改 {rng.randrange(10**6)}"
        page.save_revision().publish()
        if is_public(page):
            expect_page_shown(page, page.title)
        return True

    def op_unpublish():
        live = lessons(live=True)
        if len(live) > 10:
            page = rng.choice(live)
            was_public = is_public(page)
            page.unpublish()
            if was_public:
                expect_page_gone(page)
            return True

    def op_move():
        page = rng.choice(lessons(live=True))
        target = rng.choice(list(CoursePage.objects.exclude(pk=page.get_parent().pk)))
        if not LessonPage.objects.child_of(target).filter(slug=page.slug).exists():
            old = page_url(page) if is_public(page) else None
            page.move(target, pos="last-child")
            page.refresh_from_db()
            if is_public(page):
                expect_page_shown(page, page.title)
            elif old:
                expect(f"page-{page.pk}", site=lambda: site_text(out, old) is None)
            return True

    def op_delete():
        live = lessons(live=True)
        if len(live) > 10:
            page = rng.choice(live)
            if is_public(page):
                expect_page_gone(page)
            page.delete()
            return True

    def op_privacy():
        course = rng.choice(list(CoursePage.objects.all()))
        existing = PageViewRestriction.objects.filter(page=course)
        if existing.exists():
            existing.first().delete()
            course.refresh_from_db()
            if is_public(course):
                expect_page_shown(course, course.title)
        else:
            was_public = is_public(course)
            PageViewRestriction.objects.create(page=course, restriction_type="login")
            if was_public:
                expect_page_gone(course)
        return True

    def op_schedule():
        """A live lesson expires in a few seconds, or an unpublished one is scheduled to go live."""
        soon = timezone.now() + timedelta(seconds=rng.randint(2, 6))
        after = time.monotonic() + (soon - timezone.now()).total_seconds()
        drafts = lessons(live=False)
        if drafts and rng.random() < 0.5:
            page = rng.choice(drafts)
            page.go_live_at = soon
            page.save_revision().publish()   # a future go-live: scheduled, not live yet
            if is_public(page.get_parent().specific):
                expect_page_shown(page, page.title)
                pending[f"page-{page.pk}"][0] = after
        else:
            page = rng.choice(lessons(live=True))
            public = is_public(page)
            page.expire_at = soon
            page.save_revision().publish()
            if public:
                expect_page_gone(page)
                pending[f"page-{page.pk}"][0] = after
        return True

    def op_video_ready():
        waiting = [m for m in MicroLessonPage.objects.live().select_related("video")
                   if m.video_id and m.video.status in ("pending", "failed") and playback(m.video) is None]
        if waiting and done.count("op_video_ready") < 3:
            micro = min(waiting, key=lambda m: (m.video.original.size, m.pk))  # the shortest demo video
            enqueue_transcode(micro.video)                       # the worker transcodes it
            if is_public(micro):
                url = page_url(micro)
                expect(f"video-{micro.video_id}", site=lambda: PENDING not in (site_text(out, url) or PENDING))
            return True

    def op_video_replace():
        live = [p for p in lessons(live=True)[:20] if p.step("video_intro") and p.step("video_intro")["video"]]
        if live and done.count("op_video_replace") < 2:
            lesson = rng.choice(live)
            asset = lesson.step("video_intro")["video"]
            source = video(tmp_path / f"take-{asset.pk}-{len(done)}.mp4", seconds=2, size="320x180")
            response = admin_client.post(f"/admin/snippets/transcoding/videoasset/edit/{asset.pk}/", {
                "title": asset.title, "key": asset.key, "collection": asset.collection_id,
                "original": SimpleUploadedFile("take.mp4", source.read_bytes(), content_type="video/mp4")})
            assert response.status_code == 302, response.content.decode()[:500]
            replaced.append((lesson.pk, asset.pk))
            return True

    def op_reapprove():
        for lesson_pk, asset_pk in list(replaced):
            asset = VideoAsset.objects.get(pk=asset_pk)
            if asset.status == "ready":
                replaced.remove((lesson_pk, asset_pk))
                lesson = LessonPage.objects.get(pk=lesson_pk)
                lesson.save_revision().publish()                 # the editor approves the new file
                revision = asset.output_prefix.strip("/").rsplit("/", 1)[-1]
                if is_public(lesson):
                    url, master = page_url(lesson), f"/v/{asset.key}/{revision}/"
                    expect(f"video-{asset_pk}",
                           site=lambda url=url, master=master: master in (site_text(out, url) or ""))
                return True

    def op_claim():
        claim = rng.choice(list(TopicClaim.objects.filter(status__in=["claimed", "researching"])) or [None])
        if claim is not None:
            claim.status = "researching" if claim.status == "claimed" else "concluded"
            claim.save()
            return True

    def op_rename_problem():
        problem = rng.choice(list(Problem.objects.all()))
        problem.title = f"{problem.title.split('·')[0]}·{rng.randrange(1000)}"
        problem.save()
        url, title, entry = f"/shelves/problem/{problem.code.lower()}/", problem.title, f"problem-{problem.code}"
        expect(entry, site=lambda: title in (site_text(out, url) or ""),
               search=lambda docs: entry in docs and docs[entry][1].get("title") == title)
        return True

    ops = [(op_publish, 6), (op_unpublish, 2), (op_move, 2), (op_delete, 1), (op_privacy, 2), (op_schedule, 2),
           (op_video_ready, 1), (op_video_replace, 1), (op_reapprove, 2), (op_claim, 2), (op_rename_problem, 1)]
    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    started = time.monotonic()
    try:
        for _ in range(OPERATIONS * 3):
            if len(done) == OPERATIONS or (BUDGET and time.monotonic() - started > BUDGET):
                break
            op = rng.choices([o for o, _ in ops], weights=[w for _, w in ops])[0]
            if not op():
                continue                     # nothing to do for this kind now (e.g. no draft): not counted
            done.append(op.__name__)
            if rng.random() < 0.12:          # fault: the worker dies mid-work and comes back
                faults += 1
                worker.kill()
                time.sleep(rng.uniform(0, 3))
                worker.start()
            observe()
            if len(done) % 25 == 0:
                print(f"[{index}] {len(done)} operations, {faults} worker kills, "
                      f"{time.monotonic() - started:.0f} s, load {os.getloadavg()[0]:.1f}", flush=True)
            time.sleep(rng.uniform(0, 1))
        last_op = time.monotonic()
        # Let the worker finish: everything still visible-to-be is waited for, then the drift.
        deadline = time.monotonic() + 240
        drift = None
        while time.monotonic() < deadline:
            observe()
            drift = find_drift(out)          # the site and every index that exists (search_backends)
            # Drift 0 with checks still pending: those changes were hidden by later ones (the site
            # agrees with the database); a scheduled time may still be ahead, so wait a little.
            if not drift.total and (not pending or time.monotonic() - last_op > 30):
                break
            time.sleep(3)
        converged = time.monotonic() - started
    finally:
        worker.kill()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    repairs = log.count("核对:发现")
    # Each repair says how much of it a queued or running task was still to write (the feed was
    # behind) and how much had nothing left to fix it (a lost change).
    in_flight = sum(int(n) for n in re.findall(r"其中 (\d+) 处的更新当时仍在排队或执行中", log))
    lost = sum(int(n) for n in re.findall(r"(\d+) 处没有待办的更新", log))

    def p(values, q):
        return f"{statistics.quantiles(values, n=20)[q]:.1f}" if len(values) >= 2 else "-"

    print(f"\n[{index}] {len(done)} operations ({', '.join(f'{n[3:]}×{done.count(n)}' for n in sorted(set(done)))}), "
          f"{faults} worker kills; change→visible: site p50 {p(site_seconds, 9)} s p95 {p(site_seconds, 18)} s "
          f"({len(site_seconds)} timed), search p50 {p(search_seconds, 9)} s p95 {p(search_seconds, 18)} s "
          f"({len(search_seconds)} timed); hidden by later changes {len(pending)}; the worker's own check repaired "
          f"{repairs} times ({in_flight} entries still queued or running, {lost} with nothing left to fix them); all converged {converged:.0f} s after the start; drift at the end {drift.total}; "
          f"load {os.getloadavg()[0]:.1f}")
    assert drift.total == 0, drift.lines()
