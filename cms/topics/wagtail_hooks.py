from django.urls import path, reverse
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.coreutils import multigetattr
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from .models import ResearchTopic, School, TopicClaim


class ResearchTopicViewSet(SnippetViewSet):
    model = ResearchTopic
    icon = "doc-full"
    menu_label = "课题"
    list_display = ["code", "title", "max_claims", "places_left", Column("is_open", label="开放认领", accessor=lambda topic: "开放" if topic.is_open else "关闭")]
    list_filter = ["is_open"]
    search_fields = ["code", "title", "description"]
    ordering = ["sort_order", "code"]
    list_per_page = 50


def spreadsheet_safe(value):
    """A cell a spreadsheet must not run as a formula (CSV injection): quote a leading = + - @."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class TopicClaimIndexView(IndexView):
    custom_value_preprocess = {
        **IndexView.custom_value_preprocess,
        str: {IndexView.FORMAT_CSV: spreadsheet_safe},
    }

    @cached_property
    def header_buttons(self):
        # The export is what editors come here for: two visible buttons above the list, not
        # entries hidden in the "…" menu.
        return super().header_buttons + [
            HeaderButton("导出 Excel", url=self.xlsx_export_url, icon_name="download", attrs={"data-export": "xlsx"}),
            HeaderButton("导出 CSV", url=self.csv_export_url, icon_name="download", attrs={"data-export": "csv"}),
        ]

    @cached_property
    def header_more_buttons(self):
        shown = {self.xlsx_export_url, self.csv_export_url}
        return [b for b in super().header_more_buttons if getattr(b, "url", None) not in shown]

    def to_row_dict(self, item):
        # A claim without a report exports an empty cell rather than failing on None.title.
        return {field: self.export_value(item, field) for field in self.list_export}

    @staticmethod
    def export_value(item, field):
        try:
            return multigetattr(item, field)
        except (AttributeError, TypeError, ValueError, IndexError, KeyError):
            return ""


class TopicClaimViewSet(SnippetViewSet):
    model = TopicClaim
    icon = "tick-inverse"
    menu_label = "课题认领"
    list_display = ["topic", "school", "status", "claimed_on", "concluded_on"]
    list_filter = ["status", "topic", "school"]
    list_per_page = 50
    # 导出 CSV / XLSX from the listing (editors see every claim).
    index_view_class = TopicClaimIndexView
    list_export = ["topic.code", "topic.title", "school.code", "school.name", "get_status_display",
                   "claimed_on", "started_on", "concluded_on", "report.title"]
    export_headings = {
        "topic.code": "课题编码", "topic.title": "课题名称", "school.code": "学校编码", "school.name": "学校名称",
        "get_status_display": "状态", "claimed_on": "认领日期", "started_on": "开题日期",
        "concluded_on": "结题日期", "report.title": "结题报告",
    }
    export_filename = "topic-claims"


class SchoolViewSet(SnippetViewSet):
    model = School
    icon = "home"
    menu_label = "学校"
    list_display = ["code", "name", "district"]
    search_fields = ["code", "name", "district"]


class TopicBankGroup(SnippetViewSetGroup):
    menu_label = "课题库"
    menu_icon = "doc-full-inverse"
    menu_order = 230
    items = (ResearchTopicViewSet, TopicClaimViewSet, SchoolViewSet)


register_snippet(TopicBankGroup)


# 课题认领 for school accounts (``school_views``). The URL name keeps its historical prefix.
@hooks.register("register_admin_urls")
def school_urls():
    from . import school_views

    return [path("school-topics/", school_views.school_topics, name="studios_school_topics")]


class SchoolMenuItem(MenuItem):
    def is_shown(self, request):
        from cms.studios.api import schools_of

        return schools_of(request.user).exists()


@hooks.register("register_admin_menu_item")
def school_menu_item():
    return SchoolMenuItem("课题认领", reverse("studios_school_topics"), icon_name="doc-full-inverse", order=240)
