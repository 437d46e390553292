from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import VideoAsset


class VideoAssetViewSet(SnippetViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = "视频"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["title", "key", "status", "duration_seconds", "created_at"]
    list_filter = ["status", "collection"]
    search_fields = ["title", "key"]


register_snippet(VideoAssetViewSet)
