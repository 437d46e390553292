from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .admin_views import StatusColumn, _minutes_seconds
from .forms import VideoAssetForm
from .models import VideoAsset
from .permissions import permission_policy

register_permission_policy(VideoAsset, permission_policy)
VideoAsset.base_form_class = VideoAssetForm


class DurationColumn(Column):
    def get_value(self, instance):
        return _minutes_seconds(instance.duration_seconds)


class SizeColumn(Column):
    def get_value(self, instance):
        if not instance.width:
            return ""
        return f"{instance.width}×{instance.height}" + ("" if instance.has_audio else "(无声音)")


class VideoAssetViewSet(SnippetViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = "视频"
    menu_order = 220
    add_to_admin_menu = True
    list_filter = ["status", "collection"]
    # Searched in the database (title or key contains the words): ``key`` is not in the search
    # index, and asking the index for it raised SearchFieldError (a 500 for every search).
    search_fields = ["title", "key"]
    search_backend_name = None
    index_view_class = admin_views.IndexView
    add_view_class = admin_views.CreateView
    edit_view_class = admin_views.EditView
    delete_view_class = admin_views.DeleteView
    usage_view_class = admin_views.UsageView
    history_view_class = admin_views.HistoryView
    chooser_viewset_class = admin_views.VideoChooserViewSet
    panels = [
        FieldPanel("title"),
        FieldPanel("original"),
        FieldPanel("captions"),
        FieldPanel("collection"),
        FieldPanel("key"),
        admin_views.VideoPreviewPanel(heading="播放和清晰度"),
    ]

    @property
    def list_display(self):
        return [
            TitleColumn("title", label="标题", url_name=self.get_url_name("edit")),
            StatusColumn("status", label="状态"),
            DurationColumn("duration_seconds", label="时长"),
            SizeColumn("width", label="画面"),
            Column("collection", label="所属"),
            DateColumn("created_at", label="上传时间"),
        ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("retry/<int:pk>/", admin_views.retry_view, name="retry"),
            path("restart/<int:pk>/", admin_views.restart_view, name="restart"),
            path("status/", admin_views.status_view, name="status"),
            path("files/<int:pk>/<path:path>", admin_views.output_file_view, name="files"),
        ]


register_snippet(VideoAssetViewSet)


@hooks.register("insert_global_admin_js")
def video_status_js():
    return format_html('<script src="{}" defer></script>', static("transcoding/video_status.js"))
