"""A course's edit page lists its lessons and offers 添加一课 (one click to a new five-step lesson)."""

from django.urls import reverse
from wagtail.admin.panels import Panel


class CourseLessonsPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/admin/course_lessons_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            course = self.instance
            if course.pk:
                context["lessons"] = [
                    {"title": lesson.title, "live": lesson.live,
                     "edit_url": reverse("wagtailadmin_pages:edit", args=(lesson.pk,))}
                    for lesson in course.get_children().only("pk", "title", "live")
                ]
                context["add_url"] = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
            return context
