"""Randomized convergence (slow, bounded): a few dozen random editor operations — publish,
unpublish, move, delete, privacy, schedule/expiry, video ready, claim change, a publish that
fails and is retried — with the site and search kept current by the change feed; at the end
``publish_site --verify`` finds zero drift. Prints p50/p95 seconds from change to visible."""

import random
import statistics
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage
from cms.core import periodic
from cms.publishing.api import publish
from cms.publishing.verify import verify
from cms.topics.models import TopicClaim
from transcoding.api import transcode_now

OPERATIONS = 30


@pytest.mark.slow
@pytest.mark.django_db
def test_random_editor_operations_converge_with_zero_drift(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = out = tmp_path / "site"
    settings.GONGYU_PUBLISH_RETRY_SECONDS = 0
    publish(out)
    rng = random.Random(20261130)
    seconds, done, faults = [], [], 0

    def lessons(**kw):
        return list(LessonPage.objects.filter(**kw).order_by("path"))

    def op_publish():
        page = rng.choice(lessons())
        page.title = f"随机修改 {rng.randrange(10**6)}"
        page.save_revision().publish()

    def op_unpublish():
        live = lessons(live=True)
        if len(live) > 10:
            rng.choice(live).unpublish()

    def op_move():
        page = rng.choice(lessons(live=True))
        target = rng.choice(list(CoursePage.objects.exclude(pk=page.get_parent().pk)))
        if not LessonPage.objects.child_of(target).filter(slug=page.slug).exists():
            page.move(target, pos="last-child")

    def op_delete():
        live = lessons(live=True)
        if len(live) > 10:
            rng.choice(live).delete()

    def op_privacy():
        page = rng.choice(list(CoursePage.objects.all()))
        existing = PageViewRestriction.objects.filter(page=page)
        if existing.exists():
            existing.first().delete()
        else:
            PageViewRestriction.objects.create(page=page, restriction_type="login")

    def op_expire():
        page = rng.choice(lessons(live=True))
        page.expire_at = timezone.now() - timedelta(seconds=1)
        page.save(update_fields=["expire_at"])
        periodic.run_due(force=True)  # what the worker's tick does

    def op_video_ready():
        micro = rng.choice(list(MicroLessonPage.objects.live()))
        transcode_now(micro.video)

    def op_claim():
        claimed = list(TopicClaim.objects.filter(status="claimed"))
        if claimed:
            claim = rng.choice(claimed)
            claim.status = "researching"
            claim.save()

    ops = [op_publish, op_unpublish, op_move, op_delete, op_privacy, op_expire, op_video_ready, op_claim]
    for n in range(OPERATIONS):
        op = rng.choice(ops)
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            op()
            if n % 10 == 9:  # inject a fault: the next publish fails, the retry converges
                faults += 1
                settings.SITE_OUTPUT_DIR = tmp_path / "not-a-dir" / "site"
                (tmp_path / "not-a-dir").write_text("")
                op_publish()
                settings.SITE_OUTPUT_DIR = out
                (tmp_path / "not-a-dir").unlink()
                periodic.run_due(force=True)
        seconds.append(time.monotonic() - started)
        done.append(op.__name__)

    found, left = verify(out, repair=False)
    quantiles = statistics.quantiles(seconds, n=20)
    print(f"\n{len(done)} operations ({', '.join(sorted(set(done)))}), {faults} faults injected; "
          f"change→visible on site and in search p50 {statistics.median(seconds):.2f} s, "
          f"p95 {quantiles[18]:.2f} s; drift at the end {found.total}")
    assert found.total == 0, found.lines()
