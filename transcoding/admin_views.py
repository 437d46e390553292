"""Admin views around the video snippet: scoped by collection, retry, live status, preview files."""

import posixpath

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.panels import Panel
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
        "eta": asset.eta_label, "phase": asset.phase_label,
        "playable": asset.playable and asset.status != VideoAsset.Status.FAILED,
        "error": asset.error, "retryable": asset.retryable,
        "master_url": _reverse("files", asset.pk, "master.m3u8") if asset.playable and asset.output_prefix else "",
    }


def status_label(asset):
    if asset.interrupted:
        return "已中断"
    return asset.get_status_display()


class StatusColumn(Column):
    """状态 with 可以播放, the pass, a progress bar, time left, the error and a 重试 button; kept
    live by video_status.js."""

    def get_value(self, instance):
        return instance

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["value"] = render_status(instance, get_token(request) if request else "")
        return context


def render_status(asset, csrf_token, *, reload_when_done=True, with_retry=True):
    """The live status block (the listing, the edit page); ``video_status.js`` polls and updates it.
    The edit page's block has no 重试 form (it sits inside the edit form; 重新转码 is beside it)."""
    payload = status_payload(asset)
    retry = ""
    if asset.retryable and with_retry:
        retry = format_html(
            '<form method="post" action="{}" class="gongyu-video-retry">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="button button-small button-secondary">重试</button></form>',
            _reverse("retry", asset.pk), csrf_token,
        )
    processing = asset.status == "processing"
    return format_html(
        '<div class="gongyu-video-status" data-video-status="{}" data-status="{}" data-status-url="{}"{}>'
        '<strong class="gongyu-video-label">{}</strong> '
        '<span class="gongyu-video-playable w-status w-status--primary" {}>可以播放</span> '
        '<progress max="100" value="{}" {}>{}%</progress> '
        '<span class="gongyu-video-phase">{}</span> <span class="gongyu-video-eta">{}</span>'
        '<div class="gongyu-video-error help-block help-critical" {}>{}</div>{}</div>',
        asset.pk, asset.status, _reverse("status"), " data-reload-when-done" if reload_when_done else "",
        payload["label"], "" if payload["playable"] and asset.status != "ready" else "hidden",
        payload["progress"], "" if processing else "hidden", payload["progress"],
        payload["phase"], payload["eta"],
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


class CreateView(snippet_views.CreateView):
    def save_instance(self):
        self.form.instance.uploaded_by = self.request.user  # who hears when it is ready or failed
        return super().save_instance()


class EditView(ScopedObjectMixin, snippet_views.EditView):
    def save_instance(self):
        if getattr(self.form, "probe_facts", None) is not None:  # a new original file: its uploader
            self.form.instance.uploaded_by = self.request.user
        return super().save_instance()


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


def _editable_or_404(request, pk):
    asset = get_object_or_404(VideoAsset, pk=pk)
    if not permission_policy.user_has_permission_for_instance(request.user, "change", asset):
        raise Http404
    return asset


def restart_view(request, pk):
    """重新转码: a Chinese confirmation page (GET), then the restart (POST, CSRF-checked); only for
    who may edit the video — everyone else gets the same 404 as for a video that does not exist."""
    asset = _editable_or_404(request, pk)
    edit_url = _reverse("edit", asset.pk)
    if request.method == "POST":
        if jobs.restart(asset):
            messages.success(request, f"「{asset.title}」已重新排队转码。转好最低清晰度后就可以播放。")
        else:
            messages.warning(request, f"「{asset.title}」正在排队或转码中,不需要重新转码。")
        return redirect(edit_url)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return TemplateResponse(request, "transcoding/restart_confirm.html", {
        "video": asset, "edit_url": edit_url, "action_url": _reverse("restart", asset.pk),
        "busy": not asset.restartable,
    })


def ladder_rows(asset):
    """The edit page's ladder: each rung's resolution, bitrate and size, then the audio-only version."""
    outputs = asset.outputs or {}
    rows = [{"name": f"{min(r['width'], r['height'])}p", "resolution": f"{r['width']}×{r['height']}",
             "kbps": round(r.get("average_bps", 0) / 1000), "peak_kbps": round(r.get("peak_bps", 0) / 1000),
             "mb": _megabytes(r.get("bytes", 0))} for r in outputs.get("rungs") or []]
    audio = outputs.get("audio")
    return rows, ({"kbps": round(audio.get("average_bps", 0) / 1000), "mb": _megabytes(audio.get("bytes", 0))}
                  if audio else None)


def _megabytes(size):
    return f"{size / 1_000_000:.1f}"


class VideoPreviewPanel(Panel):
    """The edit page's 播放和清晰度 panel: the live status, a player of the current renditions
    (through the permission-checked file view), the poster, the ladder and 重新转码."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "transcoding/preview_panel.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            asset = self.instance
            rows, audio = ladder_rows(asset)
            has_files = bool(asset.output_prefix) and asset.playable
            context.update({
                "video": asset,
                "status_html": render_status(asset, get_token(self.request), reload_when_done=False,
                                             with_retry=False),
                "master_url": _reverse("files", asset.pk, "master.m3u8") if has_files else "",
                "poster_url": _reverse("files", asset.pk, "poster.jpg") if has_files else "",
                "rungs": rows, "audio": audio,
                "total_mb": _megabytes((asset.outputs or {}).get("bytes", 0)),
                "original_mb": _megabytes(asset.size_bytes or 0),
                "restart_url": _reverse("restart", asset.pk)
                if permission_policy.user_has_permission_for_instance(self.request.user, "change", asset) else "",
            })
            return context


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
    # playlists grow while the ladder is made (and then become VOD): the player asks again each time
    response["Cache-Control"] = "private, no-cache" if name.endswith(".m3u8") else "private, max-age=60"
    return response

