"""Admin touches for building lessons: the five steps stay in place, and a course offers 添加一课."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.widgets.button import Button

from .models import CoursePage


def add_lesson_url(course):
    return reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))


@hooks.register("insert_global_admin_css")
def five_steps_css():
    return format_html('<link rel="stylesheet" href="{}">', static("catalogue/admin.css"))


def _add_lesson_button(page, user, priority):
    if isinstance(page.specific_deferred, CoursePage) and page.permissions_for_user(user).can_add_subpage():
        yield Button(
            "添加一课", add_lesson_url(page), icon_name="plus", priority=priority,
            attrs={"data-gongyu-add-lesson": ""},
        )


@hooks.register("register_page_listing_buttons")
def add_lesson_listing_button(page, user, next_url=None):
    yield from _add_lesson_button(page, user, priority=5)


@hooks.register("register_page_header_buttons")
def add_lesson_header_button(page, user, view_name, next_url=None):
    yield from _add_lesson_button(page, user, priority=1)
