from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .access import visible_schools
from .models import SchoolGroup, Survey, WeeklyLecture


class WeeklyLectureViewSet(SnippetViewSet):
    model = WeeklyLecture
    icon = "date"
    menu_label = "本周家长课"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["week", "stage", "page", "note"]
    list_filter = ["stage"]


register_snippet(WeeklyLectureViewSet)


class SchoolGroupViewSet(SnippetViewSet):
    model = SchoolGroup
    icon = "group"
    menu_label = "学校分组"
    list_display = ["name"]


class SurveyViewSet(SnippetViewSet):
    model = Survey
    icon = "form"
    menu_label = "问卷"
    menu_order = 270
    add_to_admin_menu = True
    list_display = ["title", "slug", "published", "closes_on"]
    list_filter = ["published"]


register_snippet(SchoolGroupViewSet)
register_snippet(SurveyViewSet)


@hooks.register("register_admin_urls")
def engagement_urls():
    return [
        path("engagement/", admin_views.dashboard, name="engagement_dashboard"),
        path("engagement/export/", admin_views.export, name="engagement_export"),
        path("engagement/report.json", admin_views.report_json, name="engagement_report_json"),
        path("engagement/comments/", admin_views.comments, name="engagement_comments"),
        path("engagement/comments/<int:pk>/", admin_views.moderate, name="engagement_moderate"),
        path("engagement/surveys/", admin_views.survey_list, name="engagement_surveys"),
        path("engagement/surveys/<int:pk>/", admin_views.survey_detail, name="engagement_survey"),
        path("engagement/surveys/<int:pk>/export/", admin_views.survey_export, name="engagement_survey_export"),
        path("engagement/surveys/answers/<int:pk>/tag/", admin_views.tag_answer, name="engagement_tag_answer"),
    ]


class ParticipationMenuItem(MenuItem):
    def is_shown(self, request):
        return visible_schools(request.user).exists()


@hooks.register("register_admin_menu_item")
def participation_menu_item():
    return ParticipationMenuItem("家长参与", reverse("engagement_dashboard"), icon_name="group", order=250)


@hooks.register("register_admin_menu_item")
def survey_results_menu_item():
    return ParticipationMenuItem("问卷结果", reverse("engagement_surveys"), icon_name="form", order=251)
