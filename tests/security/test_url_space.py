"""The whole URL space, not a hand list: every route Django knows is asked about another studio's
and another school's objects, by everyone who may not see them.

The test walks Django's URL resolver (admin and public routes alike, so a route added later is
covered without touching this file), fills every id parameter with an object of studio A or
school A whose title carries a marker (a draft lesson and its draft course, their revision and
workflow, a video, an image, a document, a claim report), and requests it:

- as an editor (who may see everything), first: GET only, nothing may answer 500. The form the
  editor is shown (its fields and values, the marker replaced) becomes the POST body the others
  send, so a refusal is a refusal of a real submission, not of an empty one;
- as anonymous, a teacher of studio B and the school admin of school B: GET (with ``?id=`` of the
  route's model and a search ``q=``) and, for routes that name objects, POST. The marker must not
  appear in any body, header, redirect or flash message, and nothing may change.

Every id is a real object: studio A's / school A's own where the model has an owner (also a
redirect to the draft lesson, view restrictions, an editing session, a pending multiple-upload
file, a parent's comment, a survey with a school A answer, a weekly lecture pointing at the draft
lesson), else a real row of the route's model; parameters no object could be
found for are printed (none today).

Bulk actions are asked for every registered action with explicit ids and with
``id=all&childOf=`` of studio A's page. No request may answer 500, for anyone.
"""

import html
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
        self.school = school_a.school
        self.more = self._more_objects(school_a)
        self.guessed = set()  # parameters no real object could be found for (printed)

    def _more_objects(self, school_a):
        """Objects of studio A / school A behind the remaining id parameters (redirects, view
        restrictions, editing sessions, pending uploads, parents' comments)."""
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone
        from wagtail.admin.models import EditingSession
        from wagtail.contrib.redirects.models import Redirect
        from wagtail.models import CollectionViewRestriction, PageViewRestriction, UploadedFile

        from engagement.models import Comment

        lesson_type = ContentType.objects.get_for_model(Page)
        restriction = PageViewRestriction.objects.create(page=self.course, restriction_type="password",
                                                         password="walk-pw")
        collection_restriction = CollectionViewRestriction.objects.create(
            collection=self.studio.collection, restriction_type="password", password="walk-pw")
        from django.core.files.base import ContentFile

        upload = UploadedFile(for_content_type=ContentType.objects.get_for_model(get_image_model()),
                              uploaded_by_user=self.owner)
        upload.file.save(f"urlspace-{MARKER}.png", ContentFile(b"not really a picture"), save=True)
        from cms.taxonomy.models import Stage
        from engagement.models import Survey, SurveyQuestion, SurveyResponse, SurveyTextAnswer, WeeklyLecture

        survey = Survey.objects.create(title=f"问卷 {MARKER}", slug="urlspace-survey")
        question = SurveyQuestion.objects.create(survey=survey, label=f"题目 {MARKER}", kind="text")
        response = SurveyResponse.objects.create(survey=survey, device="urlspace", key="urlspace-response",
                                                 school=school_a.school, answers={str(question.pk): MARKER})
        answer = SurveyTextAnswer.objects.create(response=response, question=question, school=school_a.school,
                                                 text=f"回答 {MARKER}")
        import datetime

        lecture = WeeklyLecture.objects.create(week=datetime.date(2026, 11, 23), stage=Stage.objects.first(),
                                               page=self.lesson, note=f"给家长的话 {MARKER}")
        return {
            "survey": survey, "answer": answer, "lecture": lecture,
            "redirect_id": Redirect.objects.create(old_path="/urlspace-old", redirect_page=self.lesson).pk,
            "page_view_restriction_id": restriction.pk,
            "restriction_id": collection_restriction.pk,
            "session_id": EditingSession.objects.create(user=self.owner, content_type=lesson_type,
                                                        object_id=str(self.lesson.pk),
                                                        last_seen_at=timezone.now()).pk,
            "uploaded_file_id": upload.pk,
            "comment": Comment.objects.create(event_key=f"urlspace-{MARKER}", school=school_a.school,
                                              page_id=self.lesson.pk, kind=1, text=f"留言 {MARKER}"),
            "kind": "xlsx",
        }

    def row(self, model, url_name=""):
        """A real object of ``model`` (studio A's / school A's where it has an owner)."""
        from wagtail.models import Site

        from cms.topics.models import School
        from engagement.models import Comment, SchoolGroup, Survey, SurveyTextAnswer

        by_url = {"engagement_moderate": Comment, "engagement_survey": Survey,
                  "engagement_survey_export": Survey, "engagement_tag_answer": SurveyTextAnswer}
        model = by_url.get(url_name, model)
        if model is None:
            return None
        marked = self.of_model(model)
        if marked:
            return marked[0].pk
        if model is School:
            return self.school.pk
        if model is Comment:
            return self.more["comment"].pk
        for key in ("survey", "answer", "lecture"):
            if model is type(self.more[key]):
                return self.more[key].pk
        if model is SchoolGroup:
            group = SchoolGroup.objects.filter(schools=self.school).first()
            if group is None:
                group = SchoolGroup.objects.create(name=f"分组 {MARKER}")
                group.schools.add(self.school)
            return group.pk
        if model is SurveyTextAnswer:
            answer = SurveyTextAnswer.objects.filter(school=self.school).first() or SurveyTextAnswer.objects.first()
            return answer.pk if answer else None
        if model is Site:
            return Site.objects.get(is_default_site=True).pk
        first = model.objects.order_by("pk").first()
        return first.pk if first is not None else None

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
            "uidb64": "MQ", "token": "x-y", "kind": "xlsx",
            **{k: v for k, v in self.more.items() if k.endswith("_id")},
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
            if namespace.startswith(("wagtailsites", "wagtailsettings")):
                from wagtail.models import Site

                return Site.objects.get(is_default_site=True).pk
            found = self.row(model, url_name)
            if found is not None:
                return found
        elif name in table:
            return table[name]
        self.guessed.add(f"{namespace}:{url_name}:{name}")
        return 1


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
    comment = type(objects.more["comment"]).objects.filter(pk=objects.more["comment"].pk).values_list("status").first()
    return counts, page, course, media, claim, workflow, comment


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.I)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S | re.I)
OPTION = re.compile(r"<option\b([^>]*)>", re.I)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S | re.I)
ATTR = re.compile(r"""([\w:-]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def attrs(text):
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in ATTR.finditer(text)}


def form_fields(page):
    """The fields of the page's main POST form as a browser would send them (the form with the
    most fields; file inputs left empty): what an attacker who has seen the form would post."""
    best = {}
    for form_attrs, inner in FORM.findall(page):
        head = attrs(form_attrs)
        if head.get("method", "get").lower() != "post" or "logout" in head.get("action", ""):
            continue
        data = {}
        for tag in INPUT.findall(inner):
            field = attrs(tag)
            kind, name = field.get("type", "text").lower(), field.get("name")
            if not name or kind in ("file", "submit", "button", "image", "reset") or name == "csrfmiddlewaretoken":
                continue
            if kind in ("checkbox", "radio") and "checked" not in field:
                continue
            data.setdefault(name, []).append(field.get("value", "on" if kind == "checkbox" else ""))
        for select_attrs, options in SELECT.findall(inner):
            name = attrs(select_attrs).get("name")
            choices = [attrs(o) for o in OPTION.findall(options)]
            chosen = [c.get("value", "") for c in choices if "selected" in c] or [c.get("value", "") for c in choices[:1]]
            if name:
                data[name] = chosen
        for area_attrs, text in TEXTAREA.findall(inner):
            name = attrs(area_attrs).get("name")
            if name:
                data[name] = [html.unescape(text).strip()]
        if len(data) > len(best):
            best = data
    # The attacker's own request must not carry the marker (its echo is no leak).
    return {name: [v.replace(MARKER, "POSTED-BY-WALK") for v in values] for name, values in best.items()}


def action_bodies(url_name):
    """Views that only take POST, so there is no form to read: the body their own buttons send."""
    if url_name == "engagement_moderate":
        return {"action": ["approve"]}
    if url_name == "engagement_tag_answer":
        from cms.taxonomy.models import Problem

        return {"problems": [str(p) for p in Problem.objects.values_list("pk", flat=True)[:2]]}
    return {}


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
    for role, user in (  # the editor first: the forms it is shown are what the others post
        ("editor", editor_user),
        ("anonymous", None),
        ("teacher_b", make_user(django_user_model, "walker_teacher_b", studio_b.group)),
        ("school_admin_b", make_user(django_user_model, "walker_school_b", school_b.group)),
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
    seconds = {role: 0.0 for role in clients}  # where the walk's time goes (printed)
    posted_fields = []
    started = time.monotonic()
    for route, namespace, url_name in all_routes:
        view = f"{namespace}:{url_name}" if namespace else url_name
        for path, params in requests_for(route, namespace, url_name, objects):
            query = urlencode(params)
            body = action_bodies(url_name)
            posts = names_objects(route, url_name)
            for role, client in clients.items():
                methods = ["get"]
                if role != "editor" and posts:
                    methods.append("post")
                for method in methods:
                    url = f"{path}?{query}" if query else path
                    sent = time.monotonic()
                    response = client.post(url, body) if method == "post" else client.get(url)
                    seconds[role] += time.monotonic() - sent
                    counts[role] += 1
                    if role == "editor" and posts and response.status_code == 200 and not body:
                        body = form_fields(body_of(response))
                        posted_fields.append(len(body))
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
    print(f"\nURL space: {len(all_routes)} routes, requests per role {counts}, {elapsed:.0f} s "
          f"(answering, per role: { {role: round(t) for role, t in seconds.items()} } s; the rest is the "
          f"state checks); "
          f"{sum(1 for n in posted_fields if n)} forms read for POST bodies ({sum(posted_fields)} fields); "
          f"parameters without a real object: {sorted(objects.guessed) or 'none'}")
    assert errors == [], errors
    assert leaks == [], leaks
    assert changes == [], changes
