from django.http import Http404
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import school_views
from .access import choosable_pages
from .api import schools_of
from .public import is_public


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser(pages, request):
    return choosable_pages(request.user, pages)


@hooks.register("register_admin_urls")
def school_urls():
    return [path("school-topics/", school_views.school_topics, name="studios_school_topics")]


class SchoolMenuItem(MenuItem):
    def is_shown(self, request):
        return schools_of(request.user).exists()


@hooks.register("register_admin_menu_item")
def school_menu_item():
    return SchoolMenuItem("课题认领", reverse("studios_school_topics"), icon_name="doc-full-inverse", order=240)


@hooks.register("before_serve_page")
def refuse_hidden_pages(page, request, serve_args, serve_kwargs):
    """Wagtail serves a live page under an unpublished parent, and a page past its expiry until
    ``publish_scheduled`` runs; the public gets neither. (View restrictions are Wagtail's own.)"""
    if not is_public(page) and not page.get_view_restrictions().exists():
        raise Http404
