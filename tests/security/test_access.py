"""Access over HTTP, per role: what studio A owns is seen by studio A and the editors only.

Each surface is asked for an object of studio A carrying a secret marker; the matrix is
role × surface. "object" surfaces must refuse (403/404, or a redirect to the login page);
"listing" surfaces (choosers, search) may answer 200 but must not show the object.
Never the content: the marker is absent from every refused or filtered answer.
"""

import pytest
from django.urls import NoReverseMatch, reverse
from wagtail.admin.admin_url_finder import AdminURLFinder

from tests.security.roles import PASSWORD, draft_lesson, studio_document, studio_image, studio_video

MARKER = "SECRET-STUDIO-A-7f3c"
QUERY = "STUDIO-A-7f3c"  # searches echo the query: search for part of the marker, look for all of it
ROLES = ["anonymous", "teacher_a", "teacher_b", "school_admin_a", "editor_user"]
ALLOWED = {"teacher_a", "editor_user"}


def first_reverse(names, *args):
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    raise LookupError(names)


class StudioAObjects:
    def __init__(self, studio_a, superuser):
        self.lesson = draft_lesson(studio_a, MARKER)
        self.course = self.lesson.get_parent()
        self.revision = self.lesson.latest_revision
        self.document = studio_document(studio_a, MARKER)
        self.image = studio_image(studio_a, MARKER)
        self.video = studio_video(studio_a)
        self.video.title = f"视频 {MARKER}"
        self.video.save()
        self.video_edit_url = AdminURLFinder(superuser).get_edit_url(self.video)


def P(name, *args):  # noqa: N802 - a short name for the table below
    return lambda o: reverse(f"wagtailadmin_pages:{name}", args=[getattr(o, a).pk if isinstance(a, str) else a(o) for a in args])


SURFACES = {
    # name: (kind, url(objects))
    "explorer": ("listing", lambda o: reverse("wagtailadmin_explore", args=[o.course.pk])),
    "page search": ("listing", lambda o: reverse("wagtailadmin_pages:search") + f"?q={QUERY}"),
    "edit": ("object", P("edit", "lesson")),
    "preview": ("object", P("view_draft", "lesson")),
    "history": ("object", P("history", "lesson")),
    "revision": ("object", lambda o: reverse("wagtailadmin_pages:revisions_view", args=[o.lesson.pk, o.revision.pk])),
    "workflow history": ("object", P("workflow_history", "lesson")),
    "page usage": ("object", P("usage", "lesson")),
    "page chooser (browse)": ("object", lambda o: reverse("wagtailadmin_choose_page_child", args=[o.course.pk])),
    "page chooser (search)": ("listing", lambda o: reverse("wagtailadmin_choose_page_search") + f"?q={QUERY}"),
    "page chooser (by id)": ("object", lambda o: reverse("wagtailadmin_choose_page_chosen_multiple") + f"?id={o.lesson.pk}"),
    "public url": ("object", lambda o: o.lesson.url_path.replace("/home", "", 1)),
    "document download": ("object", lambda o: o.document.url),
    "document file in /media/": ("object", lambda o: "/media/" + o.document.file.name),
    "document edit": ("object", lambda o: reverse("wagtaildocs:edit", args=[o.document.pk])),
    "document chooser": ("listing", lambda o: reverse("wagtaildocs_chooser:choose") + f"?q={QUERY}"),
    "image edit": ("object", lambda o: reverse("wagtailimages:edit", args=[o.image.pk])),
    "image original in /media/": ("object", lambda o: "/media/" + o.image.file.name),
    "image chooser": ("listing", lambda o: reverse("wagtailimages_chooser:choose") + f"?q={QUERY}"),
    "video edit": ("object", lambda o: o.video_edit_url),
    "video original in /media/": ("object", lambda o: o.video.original.url),
}


@pytest.fixture
def objects(studio_a, django_user_model):
    superuser = django_user_model.objects.create_superuser("root_for_urls", "", PASSWORD)
    return StudioAObjects(studio_a, superuser)


@pytest.fixture
def as_role(request, client):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client
    return login


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# Files never served straight from /media/, and a draft's public URL: refused to everyone.
ALLOWED_ONLY_WITH_CONTENT = {"document file in /media/", "image original in /media/", "video original in /media/", "public url"}


def check(role, surface, objects, client):
    """None if ``role`` gets what it should on ``surface``, else what went wrong."""
    kind, url_of = SURFACES[surface]
    url = url_of(objects)
    if not url:
        return f"no URL for {surface}"
    response = client.get(url)
    body = body_of(response)
    if role in ALLOWED and surface not in ALLOWED_ONLY_WITH_CONTENT:
        if response.status_code != 200:
            return f"{url} → {response.status_code}, expected 200"
        if surface not in SHOWS_NO_TITLE and MARKER not in body:
            return f"{url} does not show the object to its owner"
        return None
    if MARKER in body:
        return f"{url} → {response.status_code} SHOWS THE MARKER"
    if kind == "object":
        location = response.get("Location", "")
        refused = response.status_code in (403, 404) or (response.status_code == 302 and (
            "login" in location or (role != "anonymous" and location == "/admin/")))
        if not refused:
            return f"{url} → {response.status_code} {location}: not refused"
    return None


SHOWS_NO_TITLE = {"page usage", "workflow history", "history", "video edit", "image edit"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, objects, as_role):
    client = as_role(role)
    problems = {surface: check(role, surface, objects, client) for surface in SURFACES}
    assert {s: p for s, p in problems.items() if p} == {}
