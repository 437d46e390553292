"""Object-level access on every admin URL (see ``access.visible``).

Wagtail checks permissions per view, but many of its generic views name objects the user has no
business seeing: bulk-action pages list the titles of objects "you have no permission for",
choosers answer ``chosen``/``chosen-multiple`` for any id, flash messages name the page. Here,
before any admin view runs:

- every object named in the URL (``page_id``, ``image_id``, ``pk`` …) or in ``?id=`` must be
  one the user may see, or the answer is a 404 that names nothing;
- bulk actions (``/admin/bulk/<app>/<model>/<action>/``) only ever get the ids the user may see
  (``id=all&childOf=`` is expanded here, then filtered), so neither the confirmation page nor
  the action itself touches anything else;
- a snippet chooser's listing and search (``choose``, ``choose_results``) need a permission on
  the model, as its objects' titles do (collection-scoped models such as videos list only the
  user's own already);
- the page-types report (it names the last edited page of each type, drafts too) is for people
  who see every page.
"""

from django.apps import apps
from django.http import Http404
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from .access import clean_ids, may_list, may_see, sees_every_page, visible

PAGE_KWARGS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
IMAGE_KWARGS = {"image_id"}
DOCUMENT_KWARGS = {"document_id", "doc_id"}
# A snippet chooser's listing and search name every object of the model.
CHOOSER_LISTINGS = {"choose", "choose_results"}
EVERY_PAGE_ONLY = {"wagtailadmin_reports:page_types_usage", "wagtailadmin_reports:page_types_usage_results"}


def model_of_namespace(namespace):
    """The model an admin URL namespace is about, or None."""
    if namespace in ("wagtailadmin_pages", "wagtailadmin_api:pages"):
        return Page
    if namespace.startswith(("wagtailimages", "wagtailadmin_api:images")):
        return get_image_model()
    if namespace.startswith(("wagtaildocs", "wagtailadmin_api:documents")):
        return get_document_model()
    for prefix in ("wagtailsnippets_", "wagtailsnippetchoosers_"):
        if namespace.startswith(prefix):
            app_label, _, model_name = namespace[len(prefix):].partition("_")
            try:
                return apps.get_model(app_label, model_name)
            except LookupError:
                return None
    return None


def referenced(match, request):
    """[(model, ids)] named by the URL kwargs and ``?id=``."""
    namespace = match.namespace or ""
    kwargs = match.kwargs
    found = []
    for name, value in kwargs.items():
        if name in PAGE_KWARGS:
            found.append((Page, [value]))
        elif name in IMAGE_KWARGS:
            found.append((get_image_model(), [value]))
        elif name in DOCUMENT_KWARGS:
            found.append((get_document_model(), [value]))
        elif name == "pk":
            model = model_of_namespace(namespace)
            if model is not None:
                found.append((model, [value]))
    ids = request.GET.getlist("id")
    if match.url_name == "wagtailadmin_choose_page_chosen_multiple":
        found.append((Page, ids))
    elif match.url_name == "chosen_multiple":
        model = model_of_namespace(namespace)
        if model is not None:
            found.append((model, ids))
    return found


def bulk_action_ids(request, app_label, model_name, action):
    """The ids a bulk action may act on: those asked for (``all`` expanded) that the user may see."""
    from wagtail.admin.views.bulk_action.registry import bulk_action_registry

    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    action_class = bulk_action_registry.get_bulk_action_class(app_label, model_name, action)
    if action_class is None:
        raise Http404
    asked = request.GET.getlist("id")
    if "all" in asked:
        parent = request.GET.get("childOf")
        if parent is not None and not str(parent).isdigit():
            raise Http404
        if model is Page or issubclass(model, Page):
            if parent is not None and not may_see(request.user, Page, [parent]):
                raise Http404
        ids = set(action_class(request, model).get_all_objects_in_listing_query(parent))
    else:
        ids = clean_ids(asked)
    return list(visible(request.user, model, model._default_manager.filter(pk__in=ids)).values_list("pk", flat=True))


class PageChooserGuard:
    """404 for an admin URL naming an object the user may not see (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is None or not request.user.is_authenticated or not request.path.startswith("/admin/"):
            return None
        user = request.user
        if user.is_superuser:
            return None
        if match.view_name in EVERY_PAGE_ONLY and not sees_every_page(user):
            raise Http404
        if match.url_name == "wagtail_bulk_action":
            ids = bulk_action_ids(request, **view_kwargs)
            if not ids:
                raise Http404
            query = request.GET.copy()
            query.setlist("id", [str(i) for i in ids])
            query.pop("childOf", None)
            request.GET = query
            request.META["QUERY_STRING"] = query.urlencode()
            return None
        if match.url_name in CHOOSER_LISTINGS and (match.namespace or "").startswith("wagtailsnippetchoosers_"):
            model = model_of_namespace(match.namespace)
            if model is not None and not may_list(user, model):
                raise Http404
        for model, ids in referenced(match, request):
            if not may_see(user, model, ids):
                raise Http404
        return None

