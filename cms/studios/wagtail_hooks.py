from django.http import Http404
from wagtail import hooks

from .access import choosable_pages
from .public import is_public


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser(pages, request):
    return choosable_pages(request.user, pages)


@hooks.register("before_serve_page")
def refuse_hidden_pages(page, request, serve_args, serve_kwargs):
    """Wagtail serves a live page under an unpublished parent, and a page past its expiry until
    ``publish_scheduled`` runs; the public gets neither. (View restrictions are Wagtail's own.)"""
    if not is_public(page) and not page.get_view_restrictions().exists():
        raise Http404


IN_USE_KIND = {"videoasset": "视频", "image": "图片", "document": "文档"}


@hooks.register("before_bulk_action")
def refuse_deleting_media_in_use(request, action_type, objects, action_class_instance):
    """Bulk delete refuses videos, images and documents that a live page shows, as the single
    delete does for videos (nothing is deleted; the message names the pages, which are live)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from transcoding.api import videos_in_use

    kind = IN_USE_KIND.get(action_class_instance.model._meta.model_name)
    if action_type != "delete" or kind is None:
        return None
    refused = []
    for obj in objects:
        pages = videos_in_use(obj)
        if pages:
            titles = "、".join(f"「{page.title}」" for page in pages[:5])
            refused.append(f"{kind}「{obj.title}」正被已发布的页面使用({titles})")
    if not refused:
        return None
    messages.error(request, "不能删除:" + ";".join(refused) + f"。请先在这些页面里换掉{kind}或取消发布。")
    return redirect(action_class_instance.next_url)
