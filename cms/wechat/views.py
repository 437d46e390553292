"""``/api/wechat/signature/?url=…``: the JS-SDK config for one page of the parent site.

Only URLs of the parent site's own origin (``GONGYU_PARENT_SITE_URL``) are signed; answers carry
CORS for that origin only and are never cached; each client address may ask
``GONGYU_WECHAT_SIGN_PER_MINUTE`` times a minute (counted per process, in a bounded table).
404 while the feature is off (no AppID/AppSecret configured)."""

from __future__ import annotations

import logging
import urllib.parse

from django.conf import settings
from django.http import JsonResponse

from cms.core import ratelimit

from .signing import Tickets, WeChatError, enabled

log = logging.getLogger(__name__)
MAX_URL = 1024


def origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _answer(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = origin(settings.PARENT_SITE_URL)
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def signature(request):
    if not enabled():
        return _answer({"error": "未启用微信分享。"}, status=404)
    if request.method != "GET":
        return _answer({"error": "只接受 GET。"}, status=405)
    url = request.GET.get("url", "").split("#", 1)[0]
    parts = urllib.parse.urlsplit(url)
    if (not url or len(url) > MAX_URL or parts.scheme not in ("http", "https")
            or origin(url) != origin(settings.PARENT_SITE_URL)):
        return _answer({"error": "只能为本站的网页签名。"}, status=400)
    if not ratelimit.allow("wechat-signature", ratelimit.client_address(request), settings.GONGYU_WECHAT_SIGN_PER_MINUTE):
        return _answer({"error": "请求太频繁,请稍后再试。"}, status=429)
    try:
        return _answer(Tickets().sign(url))
    except WeChatError as error:
        log.warning("WeChat JS-SDK signature failed: %s", error)
        return _answer({"error": "暂时无法连接微信服务器,请稍后再试。"}, status=502)
