"""Admin views around the video snippet: scoped by collection, retry, live status, preview files."""

import posixpath

from django.contrib import messages
from django.core.files.storage import default_storage
from django.middleware.csrf import get_token
from django.urls import reverse
from django.http import FileResponse, Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views

from . import jobs
from .api import videos_in_use
from .models import VideoAsset
from .outputs import content_type
from .permissions import can_see, permission_policy, visible_videos


def _minutes_seconds(seconds):
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def status_payload(asset):
    return {
        "id": asset.pk, "status": asset.status, "label": status_label(asset),
        "progress": round(asset.progress * 100, 1), "eta_seconds": asset.eta_seconds,
        "playable": asset.playable, "error": asset.error, "retryable": asset.retryable,
    }


def status_label(asset):
    if asset.interrupted:
        return "已中断"
    return asset.get_status_display()


class StatusColumn(Column):
    """状态 with a progress bar, time left, the error and a 重试 button; kept live by video_status.js."""

    def get_value(self, instance):
        return instance

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["value"] = render_status(instance, get_token(request) if request else "")
        return context


def render_status(asset, csrf_token):
    payload = status_payload(asset)
    retry = ""
    if asset.retryable:
        retry = format_html(
            '<form method="post" action="{}" class="gongyu-video-retry">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="button button-small button-secondary">重试</button></form>',
            _reverse("retry", asset.pk), csrf_token,
        )
    eta = f"约剩 {_minutes_seconds(asset.eta_seconds)}" if asset.status == "processing" and asset.eta_seconds else ""
    return format_html(
        '<div class="gongyu-video-status" data-video-status="{}" data-status="{}">'
        '<strong class="gongyu-video-label">{}</strong> '
        '<progress max="100" value="{}" {}>{}%</progress> <span class="gongyu-video-eta">{}</span>'
        '<div class="gongyu-video-error help-block help-critical" {}>{}</div>{}</div>',
        asset.pk, asset.status, payload["label"], payload["progress"],
        "" if asset.status == "processing" else "hidden", payload["progress"], eta,
        "" if asset.error else "hidden", asset.error, retry,
    )


def _reverse(name, *args):
    return reverse(VideoAsset.snippet_viewset.get_url_name(name), args=args)


class ScopedObjectMixin:
    """Single-object views: another studio's video is a 404, not a page."""

    def get_object(self, *args, **kwargs):
        asset = super().get_object(*args, **kwargs)
        if not can_see(self.request.user, asset):
            raise Http404
        return asset


class IndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(pk__in=visible_videos(self.request.user).values("pk"))


class EditView(ScopedObjectMixin, snippet_views.EditView):
    pass


class UsageView(ScopedObjectMixin, snippet_views.UsageView):
    pass


class HistoryView(ScopedObjectMixin, snippet_views.HistoryView):
    pass


class DeleteView(ScopedObjectMixin, snippet_views.DeleteView):
    """Refuses to delete a video that a live page shows."""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        pages = videos_in_use(self.object)
        if pages:
            titles = "、".join(f"「{page.title}」" for page in pages[:5])
            messages.error(request, f"不能删除:这段视频正被已发布的页面使用({titles})。请先在这些页面里换掉视频或取消发布。")
            return redirect(_reverse("edit", self.object.pk))
        return super().post(request, *args, **kwargs)


class ChooseView(snippet_chooser.ChooseView):
    def get_object_list(self):
        return permission_policy.instances_user_has_permission_for(self.request.user, "choose")


class ChooseResultsView(snippet_chooser.ChooseResultsView):
    def get_object_list(self):
        return permission_policy.instances_user_has_permission_for(self.request.user, "choose")


class ChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        asset = super().get_object(pk)
        if not permission_policy.user_has_permission_for_instance(self.request.user, "choose", asset):
            raise VideoAsset.DoesNotExist
        return asset


class VideoChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView


def retry_view(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    asset = get_object_or_404(VideoAsset, pk=pk)
    if not permission_policy.user_has_permission_for_instance(request.user, "change", asset):
        raise Http404
    if jobs.retry(asset):
        messages.success(request, f"「{asset.title}」已重新排队转码。")
    else:
        messages.warning(request, f"「{asset.title}」正在转码或已经完成,不需要重试。")
    return redirect(_reverse("list"))


def status_view(request):
    """JSON status of the videos whose ids are given (the listing polls it every few seconds)."""
    ids = [int(i) for i in request.GET.getlist("id") if i.isdigit()][:100]
    assets = visible_videos(request.user).filter(pk__in=ids)
    return JsonResponse({"videos": [status_payload(a) for a in assets]})


def output_file_view(request, pk, path):
    """A file of the video's ladder, for the admin preview (only to users who can see the video)."""
    asset = get_object_or_404(VideoAsset, pk=pk)
    if not can_see(request.user, asset) or not asset.output_prefix:
        raise Http404
    clean = posixpath.normpath(path)
    if clean.startswith(("..", "/")) or "\x00" in clean:
        raise Http404
    name = asset.output_prefix + clean
    if not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type(name))
    response["Cache-Control"] = "private, max-age=60"
    return response

