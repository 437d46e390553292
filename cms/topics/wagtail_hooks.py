from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import ResearchTopic, School, TopicClaim


class ResearchTopicViewSet(SnippetViewSet):
    model = ResearchTopic
    icon = "doc-full"
    menu_label = "课题"
    list_display = ["code", "title", "max_claims", "places_left", BooleanColumn("is_open", label="开放认领")]
    list_filter = ["is_open"]
    search_fields = ["code", "title", "description"]
    ordering = ["sort_order", "code"]
    list_per_page = 50


class TopicClaimViewSet(SnippetViewSet):
    model = TopicClaim
    icon = "tick-inverse"
    menu_label = "课题认领"
    list_display = ["topic", "school", "status", "claimed_on", "concluded_on"]
    list_filter = ["status", "topic", "school"]
    list_per_page = 50


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
