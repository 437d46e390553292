from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Problem, Stage, Theme


class StageViewSet(SnippetViewSet):
    model = Stage
    icon = "list-ol"
    menu_label = "学段"
    list_display = ["name", "code", "sort_order"]
    ordering = ["sort_order", "pk"]


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = "主题"
    list_display = ["name", "code", "sort_order"]
    ordering = ["sort_order", "pk"]


class ProblemViewSet(SnippetViewSet):
    model = Problem
    icon = "help"
    menu_label = "家庭教育问题"
    list_display = ["code", "title", "theme"]
    list_filter = ["theme", "stages"]
    search_fields = ["code", "title", "description"]
    ordering = ["sort_order", "code"]
    list_per_page = 50


class TaxonomyGroup(SnippetViewSetGroup):
    menu_label = "课程分类"
    menu_icon = "folder-open-inverse"
    menu_order = 210
    items = (ProblemViewSet, StageViewSet, ThemeViewSet)


register_snippet(TaxonomyGroup)
