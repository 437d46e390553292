from django.http import Http404

from .access import may_choose

GUARDED = {
    "wagtailadmin_choose_page_child": lambda request, kwargs: [kwargs.get("parent_page_id")],
    "wagtailadmin_choose_page_chosen_multiple": lambda request, kwargs: request.GET.getlist("id"),
}


class PageChooserGuard:
    """404 for a page chooser URL naming a page the user may not see (see ``access``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        ids_of = GUARDED.get(match.url_name if match else None)
        if ids_of and request.user.is_authenticated and not may_choose(request.user, ids_of(request, view_kwargs)):
            raise Http404
        return None
