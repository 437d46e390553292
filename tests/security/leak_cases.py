"""Leak cases: content that must never reach the public, each carrying a unique secret marker.

Use the ``leak_cases`` fixture (function scope, needs the database): it builds every case in the
current test database and returns a list of ``LeakCase``. Surface tests (public URLs, /media/
and /documents/, the search API and indexes, the built static site) then assert that no marker
appears anywhere they can reach. Reuse from another test folder with
``from tests.security.leak_cases import leak_cases, LeakCase`` (import the fixture name).

Each case also names ``urls``: addresses a visitor might guess for it (the page's own path,
its files); every one must answer without the marker (404/403/redirect to a login).
"""

import dataclasses
import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import PageViewRestriction

from cms.catalogue.models import CoursePage, LessonPage
from cms.studios.api import EDITORS, SchoolRole, StudioRole
from cms.topics.claims import claim_topic, move_claim
from cms.topics.models import ResearchTopic, TopicClaim
from transcoding.api import VideoAsset

from .roles import lesson_body


@dataclasses.dataclass
class LeakCase:
    name: str  # Chinese-free id used in test ids and the report table
    label: str  # what it is, for people
    marker: str  # must never appear publicly
    urls: list = dataclasses.field(default_factory=list)  # guessable addresses; none may show the marker
    public_marker: str | None = None  # text that SHOULD be public (a live page's live version), as a control
    objects: dict = dataclasses.field(default_factory=dict)


def _path(page):
    # url_path is "/home/studios/x/…/"; the site root is "/home/".
    return "/" + page.url_path.split("/", 2)[2]


def _studio(index=0):
    return StudioRole.objects.order_by("studio__path")[index]


def _course(role):
    return CoursePage.objects.child_of(role.studio).live().order_by("path").first()


def _video(role):
    return VideoAsset.objects.filter(collection=role.collection).order_by("pk").first()


def _lesson(parent, title, slug, summary, role, *, publish=True, **extra):
    lesson = LessonPage(title=title, slug=slug, summary=summary, body=lesson_body(_video(role)), live=False, **extra)
    parent.add_child(instance=lesson)
    revision = lesson.save_revision()
    if publish:
        revision.publish()
    lesson.refresh_from_db()
    return lesson


def draft_page():
    role = _studio(0)
    marker = "LEAK-DRAFT-d41c"
    page = _lesson(_course(role), f"草稿课 {marker}", "leak-draft", f"草稿简介 {marker}", role, publish=False)
    return LeakCase("draft", "从未发布的草稿课", marker, [_path(page)], objects={"page": page})


def newer_revision():
    role = _studio(0)
    marker = "LEAK-NEWER-REV-8a2e"
    live_text = "LIVE-TEXT-OK-5b10"
    page = _lesson(_course(role), f"已发布课 {live_text}", "leak-newer", f"已发布简介 {live_text}", role)
    page.title = f"修改中 {marker}"
    page.summary = f"未发布的修改 {marker}"
    page.save_revision()  # saved, not published
    return LeakCase("newer_revision", "已发布页面的未发布新版本", marker, [_path(page)],
                    public_marker=live_text, objects={"page": page})


def restricted_pages():
    role = _studio(1)
    cases = []
    for kind, extra in (("password", {"password": "家长会2026"}), ("login", {}), ("groups", {})):
        marker = f"LEAK-PRIVATE-{kind.upper()}-3c7f"
        page = _lesson(_course(role), f"内部课 {marker}", f"leak-private-{kind}", f"仅限内部 {marker}", role)
        restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind, **extra)
        if kind == "groups":
            restriction.groups.add(role.group)
        cases.append(LeakCase(f"private_{kind}", f"设了访问限制的页面({kind})", marker, [_path(page)], objects={"page": page}))
    return cases


def expired_pages():
    role = _studio(1)
    cases = []
    for name, run_command in (("expired", True), ("past_expiry", False)):
        marker = f"LEAK-{name.upper()}-e9b3"
        page = _lesson(_course(role), f"过期课 {marker}", f"leak-{name}", f"已过期 {marker}", role)
        page.expire_at = timezone.now() - datetime.timedelta(hours=1)
        page.save(update_fields=["expire_at"])
        if run_command:
            call_command("publish_scheduled", stdout=io.StringIO())
        label = "已过期并下线的页面" if run_command else "已过下线时间但定时任务还没运行的页面"
        cases.append(LeakCase(name, label, marker, [_path(page)], objects={"page": page}))
    return cases


def under_unpublished_parent():
    role = _studio(2)
    marker = "LEAK-ORPHAN-71fa"
    course = CoursePage(title=f"未发布课程 {marker}", slug="leak-unpublished-course", summary=f"课程 {marker}", live=False)
    role.studio.add_child(instance=course)
    course.save_revision()
    lesson = _lesson(course, f"发布了的子页面 {marker}", "leak-orphan", f"父页面未发布 {marker}", role)
    assert lesson.live and not CoursePage.objects.get(pk=course.pk).live
    return LeakCase("under_unpublished_parent", "父页面未发布的已发布页面", marker,
                    [_path(course), _path(lesson)], objects={"page": lesson})


def deleted_page():
    role = _studio(2)
    marker = "LEAK-DELETED-0b5d"
    page = _lesson(_course(role), f"删除的课 {marker}", "leak-deleted", f"已删除 {marker}", role)
    path = _path(page)
    page.delete()
    return LeakCase("deleted", "已删除的页面", marker, [path])


def video_of_unpublished_lesson():
    role = _studio(3)
    marker = "LEAK-VIDEO-c2d8"
    source = _video(role)
    video = VideoAsset(key="leak-video-c2d8", title=f"未发布课的视频 {marker}", collection=role.collection,
                       status=source.status, duration_seconds=source.duration_seconds, checksum="")
    video.original.save("leak-video.mp4", ContentFile(source.original.open("rb").read()), save=False)
    source.original.close()
    video.save()
    page = LessonPage(title=f"带视频的草稿 {marker}", slug="leak-video-lesson", summary=marker, live=False,
                      body=lesson_body(video))
    _course(role).add_child(instance=page)
    page.save_revision()
    return LeakCase("video_of_unpublished_lesson", "未发布课的视频", marker,
                    [_path(page), video.original.url], objects={"video": video, "page": page})


def claim_report():
    school = SchoolRole.objects.order_by("school__code")[0]
    marker = "LEAK-REPORT-5e61"
    topic = ResearchTopic.objects.filter(is_open=True).order_by("sort_order")[0]
    topic.max_claims = max(topic.max_claims, topic.active_claims().count() + 1)
    topic.save()
    claim = TopicClaim.objects.filter(topic=topic, school=school.school).exclude(status="withdrawn").first()
    claim = claim or claim_topic(school.school, topic)
    Document = get_document_model()
    report = Document(title=f"结题报告 {marker}", collection=school.collection)
    report.file.save("leak-report.txt", ContentFile(f"报告正文 {marker}".encode()), save=False)
    report._set_document_file_metadata()
    report.save()
    move_claim(claim, claim.status, report=report)
    return LeakCase("claim_report", "学校的课题结题报告", marker,
                    [report.url, "/media/" + report.file.name], objects={"document": report, "claim": claim})


BUILDERS = [draft_page, newer_revision, restricted_pages, expired_pages, under_unpublished_parent,
            deleted_page, video_of_unpublished_lesson, claim_report]


def build_leak_cases():
    cases = []
    for build in BUILDERS:
        made = build()
        cases.extend(made if isinstance(made, list) else [made])
    return cases


@pytest.fixture
def leak_cases(db):
    """Every leak case, built in the test database (see the module docstring)."""
    assert EDITORS  # roles exist: the demo import created them
    return build_leak_cases()
