"""The one vocabulary: page kinds (model → kind name → Chinese label → searchable → parent-site
URL) and the one definition of "public". Publishing, search, the importer/exporter and the
templates read these; nothing else restates them.

Public: the page is live, not expired (even before ``publish_scheduled`` has unpublished it), has
no view restriction, and the same holds for every ancestor below the tree root — and it sits
under the default site's home page.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from django.apps import apps
from django.db.models import Q
from django.utils import timezone


@dataclasses.dataclass(frozen=True)
class PageKind:
    name: str          # the kind's name everywhere (site templates, search facets, the package)
    label: str         # Chinese, as parents and editors read it
    model: str         # "app_label.ModelName"
    searchable: bool   # has a search entry (both indexes and the site's Pagefind)
    shelved: bool = False  # listed on the stage/theme/problem shelves

    @property
    def model_class(self):
        return apps.get_model(self.model)


# To add a page kind: add its model in its own app, one line here, and its site template
# (site/templates/<name>.html). See docs/ARCHITECTURE.md, "Adding a page kind".
PAGE_KINDS = (
    PageKind("home", "家长课程超市", "catalogue.SupermarketPage", searchable=False),
    PageKind("studios", "名师工作室", "catalogue.StudioIndexPage", searchable=False),
    PageKind("studio", "名师工作室", "catalogue.StudioPage", searchable=True),
    PageKind("course", "家长课程", "catalogue.CoursePage", searchable=True, shelved=True),
    PageKind("lesson", "五步教学法课", "catalogue.LessonPage", searchable=True),
    PageKind("micro", "微课", "catalogue.MicroLessonPage", searchable=True, shelved=True),
    PageKind("topics", "课题库", "topics.TopicBankPage", searchable=False),
)
# Search entries that are not pages.
OTHER_KINDS = {"problem": "家庭教育问题", "topic": "课题"}
# The name the search API has always answered with for micro-lessons (kept for its clients).
API_NAMES = {"micro": "micro_lesson"}

SEARCHABLE = tuple(k.name for k in PAGE_KINDS if k.searchable)
SHELVED = tuple(k.name for k in PAGE_KINDS if k.shelved)
LABELS = {k.name: k.label for k in PAGE_KINDS if k.searchable} | OTHER_KINDS


def kind_by_name(name):
    return next((k for k in PAGE_KINDS if k.name == name or API_NAMES.get(k.name) == name), None)


@lru_cache(maxsize=1)
def _model_kinds():
    return {k.model_class: k for k in PAGE_KINDS}


def kind_of(obj_or_model):
    """The PageKind of a page (or page model), or None for a type the site does not show."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(getattr(obj_or_model, "specific", obj_or_model))
    return _model_kinds().get(model)


def kind_by_content_type():
    from django.contrib.contenttypes.models import ContentType

    return {ContentType.objects.get_for_model(k.model_class).id: k for k in PAGE_KINDS}


def browser_data():
    """What the site's JavaScript needs of the vocabulary (written as generated data)."""
    labels = dict(LABELS)
    for name, api_name in API_NAMES.items():
        labels[api_name] = labels[name]
    return {"labels": labels, "searchable": list(SEARCHABLE), "shelved": list(SHELVED)}


# --- public ----------------------------------------------------------------------------------

def not_expired(now=None):
    return Q(expire_at__isnull=True) | Q(expire_at__gt=now or timezone.now())


def visible_to_public(pages):
    """``pages`` (a PageQuerySet) limited to live, unrestricted, unexpired pages (listing filter;
    ancestors are checked by ``public_pages`` and ``is_public``)."""
    return pages.live().public().filter(not_expired())


def site_root():
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    return site.root_page if site else None


def blocked_paths(now=None):
    """Tree paths of pages that hide themselves and their subtree: not live, expired, restricted."""
    from wagtail.models import Page, PageViewRestriction

    now = now or timezone.now()
    paths = set(Page.objects.filter(Q(live=False) | Q(expire_at__lte=now)).values_list("path", flat=True))
    paths |= set(PageViewRestriction.objects.values_list("page__path", flat=True))
    return paths


def _ancestor_paths(path):
    from wagtail.models import Page

    step = Page.steplen
    return (path[:n] for n in range(2 * step, len(path) + 1, step))  # below the tree root


def public_pages(pages=None, within=None):
    """The public pages of ``pages`` (default: every page), optionally within ``within``'s
    subtree (itself included), in tree order. A list, not a queryset."""
    from wagtail.models import Page

    root = site_root()
    if root is None:
        return []
    qs = pages if pages is not None else Page.objects.all()
    qs = qs.live().filter(not_expired(), path__startswith=root.path)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    blocked = blocked_paths()
    return [p for p in qs.order_by("path") if not any(a in blocked for a in _ancestor_paths(p.path))]


def is_public(page):
    """A page served at its public URL: the page and every ancestor live, unrestricted, unexpired."""
    from wagtail.models import Page

    root = site_root()
    if root is None or not page.path.startswith(root.path):
        return False
    if not page.live or (page.expire_at and page.expire_at <= timezone.now()):
        return False
    ancestors = Page.objects.filter(path__in=list(_ancestor_paths(page.path)))
    if ancestors.filter(Q(live=False) | Q(expire_at__lte=timezone.now())).exists():
        return False
    return not page.get_view_restrictions().exists()


# --- parent-site URLs ------------------------------------------------------------------------

def page_url(page, root=None):
    """``/studios/x/course/`` for a page under the site root, None otherwise."""
    root = root if root is not None else site_root()
    if root is None or not page.url_path.startswith(root.url_path):
        return None
    return "/" + page.url_path[len(root.url_path):]


def shelf_url(shelf, code):
    """A stage/theme/problem shelf on the parent site."""
    return f"/shelves/{shelf}/{code.lower()}/"


def parent_url(obj, root=None):
    """Where ``obj`` is on the parent site (a page, problem, stage, theme or research topic)."""
    from wagtail.models import Page

    if isinstance(obj, Page):
        return page_url(obj, root)
    label = obj._meta.label_lower
    if label in ("taxonomy.problem", "taxonomy.stage", "taxonomy.theme"):
        return shelf_url(obj._meta.model_name, obj.code)
    if label == "topics.researchtopic":
        from cms.topics.models import TopicBankPage

        bank = TopicBankPage.objects.live().public().first()
        base = page_url(bank, root) if bank else None
        return f"{base}#{obj.code.lower()}" if base else None
    raise TypeError(f"no parent-site URL for {obj!r}")
