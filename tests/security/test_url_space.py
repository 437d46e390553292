"""The whole URL space, not a hand list: every route Django knows is asked about another studio's
and another school's objects, by everyone who may not see them.

The test walks Django's URL resolver (admin and public routes alike, so a route added later is
covered without touching this file), fills every id parameter with an object of studio A or
school A whose title carries a marker (a draft lesson and its draft course, their revision and
workflow, a video, an image, a document, a claim report), and requests it:

- as anonymous, a teacher of studio B and the school admin of school B: GET (with ``?id=`` of the
  route's model and a search ``q=``) and, for routes that name objects, POST. The marker must not
  appear in any body, header, redirect or flash message, and nothing may change;
- as an editor (who may see everything): GET only, nothing may answer 500.

Bulk actions are asked for every registered action with explicit ids and with
``id=all&childOf=`` of studio A's page. No request may answer 500, for anyone.
"""

import re
import time
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Revision, WorkflowState

from cms.catalogue.models import LessonPage
from cms.studios.middleware import model_of_namespace
from cms.topics.claims import claim_topic, move_claim
from cms.topics.models import ResearchTopic, TopicClaim
from tests.security.roles import draft_lesson, make_user, studio_document, studio_image, studio_video
from transcoding.api import VideoAsset

MARKER = "URLSPACE-MARK-6b2d"
QUERY = "MARK-6b2d"  # searches echo the query: ask for part of the marker, look for all of it
SKIP = {
    "wagtailadmin_logout",  # would end the session the walk is using
    "wagtailadmin_error_test",  # Wagtail's deliberate 500 page
    "",  # unnamed catch-alls (admin 404 pages, test404)
}
FILES = {"gongyu_image_file", "wagtaildocs_serve"}  # the marked objects' files (no marker inside)
GROUP = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)|\([^)]*\)")


def routes(patterns=None, prefix="", namespace=""):
    """(route text, namespace, url_name) of every URL pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        text = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from routes(pattern.url_patterns, prefix + text, ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + text, namespace, pattern.name or ""


class StudioAObjects:
    """Studio A's and school A's objects, each titled with the marker."""

    def __init__(self, studio_a, school_a, django_user_model):
        self.studio = studio_a
        self.owner = make_user(django_user_model, "owner_a", studio_a.group)
        self.lesson = draft_lesson(studio_a, MARKER, slug="urlspace-draft")
        self.course = self.lesson.get_parent()
        self.revision = self.lesson.latest_revision
        self.workflow_state = self.lesson.get_workflow().start(self.lesson, self.owner)
        self.task_state = self.workflow_state.current_task_state
        self.task = self.task_state.task
        self.workflow = self.workflow_state.workflow
        self.document = studio_document(studio_a, MARKER)
        self.image = studio_image(studio_a, MARKER)
        self.rendition = self.image.get_rendition("max-165x165")
        self.video = studio_video(studio_a)
        self.video.title = f"视频 {MARKER}"
        self.video.save()
        topic = ResearchTopic.objects.filter(is_open=True).order_by("sort_order")[0]
        topic.max_claims = topic.active_claims().count() + 5
        topic.save()
        self.claim = TopicClaim.objects.filter(topic=topic, school=school_a.school).exclude(status="withdrawn").first()
        self.claim = self.claim or claim_topic(school_a.school, topic)
        Document = get_document_model()
        self.report = Document(title=f"结题报告 {MARKER}", collection=school_a.collection)
        from django.core.files.base import ContentFile

        self.report.file.save("urlspace-report.txt", ContentFile(f"报告 {MARKER}".encode()), save=False)
        self.report._set_document_file_metadata()
        self.report.save()
        move_claim(self.claim, self.claim.status, report=self.report)

    def of_model(self, model):
        """The marked objects of ``model`` (their ids go into ``?id=``)."""
        if model is None:
            return []
        if issubclass(model, Page):
            return [self.lesson, self.course]
        if model is get_image_model():
            return [self.image]
        if model is get_document_model():
            return [self.document, self.report]
        if model is VideoAsset:
            return [self.video]
        if model is TopicClaim:
            return [self.claim]
        return []

    def value(self, name, namespace, url_name):
        """A value for the URL parameter ``name``."""
        model = model_of_namespace(namespace)
        table = {
            "page_id": self.lesson.pk, "page_to_move_id": self.lesson.pk, "page_pk": self.lesson.pk,
            "parent_page_id": self.course.pk, "destination_id": self.course.pk,
            "image_id": self.image.pk, "document_id": self.document.pk, "doc_id": self.document.pk,
            "revision_id": self.revision.pk, "revision_id_a": "earliest", "revision_id_b": "latest",
            "task_id": self.task.pk, "task_state_id": self.task_state.pk,
            "workflow_state_id": self.workflow_state.pk, "workflow_pk": self.workflow.pk,
            "collection_id": self.studio.collection.pk, "object_id": self.lesson.pk,
            "content_type_app_name": "catalogue", "content_type_model_name": "lessonpage",
            "app_name": "catalogue", "app_label": "catalogue", "model_name": "lessonpage",
            "action_name": "approve", "filter_spec": "max-165x165", "path": "index.m3u8",
            "uidb64": "MQ", "token": "x-y",
        }
        if name == "pk":
            if namespace.startswith("wagtailadmin_collections"):
                return self.studio.collection.pk
            if namespace.startswith("wagtailadmin_workflows"):
                return self.task.pk if "task" in url_name else self.workflow.pk
            if namespace.startswith("wagtailusers_users"):
                return self.owner.pk
            if namespace.startswith("wagtailusers_groups"):
                return self.studio.group.pk
            if url_name == "revisions_compare":
                return self.lesson.pk
            objects = self.of_model(model)
            return objects[0].pk if objects else 1
        return table.get(name, 1)


def fill(route, objects, namespace, url_name):
    """A concrete path for a route (path converters and regex groups alike)."""
    special = {
        "wagtaildocs_serve": f"documents/{objects.report.pk}/{objects.report.filename}",
        "wagtail_serve": objects.lesson.url_path.split("/", 2)[2],
    }
    if url_name in special:
        return "/" + special[url_name]
    if route.startswith("^media/"):
        return "/" + objects.rendition.file.name.join(["media/", ""])

    def replace(match):
        name = match.group(2) or match.group(3)
        if name is None:  # an unnamed regex group
            return str(objects.document.pk)
        return str(objects.value(name, namespace, url_name))

    path = GROUP.sub(replace, route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def requests_for(route, namespace, url_name, objects):
    """[(method, path, query)] to make for one route."""
    if url_name == "wagtail_bulk_action":
        from wagtail.admin.views.bulk_action.registry import bulk_action_registry

        bulk_action_registry._scan_for_bulk_actions()
        made = []
        for app_label, by_model in bulk_action_registry.actions.items():
            for model_name, actions in by_model.items():
                for action in actions:
                    path = f"/admin/bulk/{app_label}/{model_name}/{action}/"
                    from django.apps import apps

                    model = apps.get_model(app_label, model_name)
                    ids = [o.pk for o in objects.of_model(model)] or [1]
                    made.append((path, [("id", i) for i in ids]))
                    if issubclass(model, Page):
                        made.append((path, [("id", "all"), ("childOf", objects.studio.studio.pk)]))
                    elif objects.of_model(model):
                        made.append((path, [("id", "all")]))
        return made
    path = fill(route, objects, namespace, url_name)
    ids = [o.pk for o in objects.of_model(model_of_namespace(namespace))]
    if "chosen_multiple" in url_name and not ids:
        ids = [objects.lesson.pk]
    return [(path, [("id", i) for i in ids] + [("q", QUERY)])]


def names_objects(route, url_name):
    return "<" in route or "(?P" in route or url_name in ("wagtail_bulk_action", "wagtaildocs_serve", "wagtail_serve") \
        or "chosen" in url_name or route.startswith("^media/")


def fingerprint(objects):
    """What must not change: counts, and the marked objects as stored."""
    counts = tuple(model.objects.count() for model in (
        Page, Revision, get_image_model(), get_document_model(), VideoAsset, TopicClaim, Collection,
        WorkflowState, get_user_model()))
    page = LessonPage.objects.filter(pk=objects.lesson.pk).values_list(
        "title", "live", "locked", "path", "latest_revision_id", "has_unpublished_changes").first()
    course = Page.objects.filter(pk=objects.course.pk).values_list("title", "live", "path").first()
    media = [
        type(o).objects.filter(pk=o.pk).values_list("title", "collection_id").first()
        for o in (objects.image, objects.document, objects.report, objects.video)
    ]
    claim = TopicClaim.objects.filter(pk=objects.claim.pk).values_list("status", "report_id").first()
    workflow = WorkflowState.objects.filter(pk=objects.workflow_state.pk).values_list("status").first()
    return counts, page, course, media, claim, workflow


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def shown(response):
    """Everything a response shows: body, headers, and the flash messages it queued."""
    parts = [body_of(response), str(list(response.items()))]
    storage = getattr(response.wsgi_request, "_messages", None)
    parts += [str(m) for m in getattr(storage, "_queued_messages", [])]
    return "\n".join(parts)


@pytest.fixture
def walkers(db, studio_a, school_a, studio_b, school_b, django_user_model, editor_user):
    objects = StudioAObjects(studio_a, school_a, django_user_model)
    clients = {}
    for role, user in (
        ("anonymous", None),
        ("teacher_b", make_user(django_user_model, "walker_teacher_b", studio_b.group)),
        ("school_admin_b", make_user(django_user_model, "walker_school_b", school_b.group)),
        ("editor", editor_user),
    ):
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        clients[role] = client
    return objects, clients


@pytest.mark.django_db
def test_no_route_shows_or_changes_another_studios_objects(walkers):
    objects, clients = walkers
    all_routes = [r for r in routes() if r[2] not in SKIP]
    assert len(all_routes) > 250  # the admin is really there
    before = fingerprint(objects)
    leaks, changes, errors = [], [], []
    counts = {role: 0 for role in clients}
    started = time.monotonic()
    for route, namespace, url_name in all_routes:
        view = f"{namespace}:{url_name}" if namespace else url_name
        for path, params in requests_for(route, namespace, url_name, objects):
            query = urlencode(params)
            for role, client in clients.items():
                methods = ["get"]
                if role != "editor" and names_objects(route, url_name):
                    methods.append("post")
                for method in methods:
                    url = f"{path}?{query}" if query else path
                    response = getattr(client, method)(url)
                    counts[role] += 1
                    if response.status_code >= 500:
                        errors.append((role, method, view, url, response.status_code))
                    if role != "editor" and MARKER in shown(response):
                        leaks.append((role, method, view, url, response.status_code))
                    if role != "editor" and view in FILES and response.status_code == 200:
                        leaks.append((role, method, view, url, "file served"))
        if fingerprint(objects) != before:
            changes.append(view)
            before = fingerprint(objects)
    elapsed = time.monotonic() - started
    print(f"\nURL space: {len(all_routes)} routes, requests per role {counts}, {elapsed:.0f} s")
    assert errors == [], errors
    assert leaks == [], leaks
    assert changes == [], changes
