"""Gongyu's own admin: a homepage per role, its own name and logo, no links to Wagtail's help."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from .panels import panels_for


@hooks.register("construct_homepage_panels")
def role_panels(request, panels):
    panels[:0] = panels_for(request)


@hooks.register("construct_help_menu")
def no_wagtail_help(request, menu_items):
    # "What's new in Wagtail" and the Wagtail editor guide are English pages on an outside host.
    menu_items[:] = [item for item in menu_items if item.name == "keyboard-shortcuts-trigger"]


@hooks.register("insert_global_admin_css")
def dashboard_css():
    return format_html('<link rel="stylesheet" href="{}">', static("dashboard/admin.css"))


@hooks.register("construct_reports_menu")
def editors_only_reports(request, menu_items):
    # The page-types report is about the whole site: a studio's teacher cannot open it.
    from .panels import is_editor

    if not is_editor(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]
