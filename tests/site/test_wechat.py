"""WeChat JS-SDK share card (issue 15), off by default.

A small local HTTP server plays WeChat's API host (its two endpoints, /cgi-bin/token and
/cgi-bin/ticket/getticket); the CMS's signing view is exercised over real HTTP, and the built
parent site in Debian's chromium with WeChat's user agent. Inside chromium, the WeChat app's
native bridge (window.WeixinJSBridge, which the real SDK talks to) is stood in for by an init
script that records what the SDK hands it."""

import contextlib
import hashlib
import http.server
import json
import os
import threading
import urllib.parse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.db import transaction
from django.test import Client, override_settings

from cms.wechat.signing import signature

from .conftest import serve

pytestmark = [pytest.mark.django_db]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the thread

APPID = "wx0123456789abcdef"
SECRET = "s3cret-of-the-gongzhonghao"


class FakeWeChat(http.server.ThreadingHTTPServer):
    """WeChat's token and ticket endpoints, with counters and switchable failures."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeWeChatHandler)
        self.calls = {"token": 0, "ticket": 0}
        self.expires_in = 7200
        self.reject_token_once = False
        self.tokens = set()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def ticket_for(self, token):
        return "ticket-" + hashlib.md5(token.encode()).hexdigest()


class FakeWeChatHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if parts.path == "/cgi-bin/token":
            server.calls["token"] += 1
            if query != {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}:
                return self.answer({"errcode": 40013, "errmsg": "invalid appid"})
            token = f"token-{server.calls['token']}"
            server.tokens.add(token)
            return self.answer({"access_token": token, "expires_in": server.expires_in})
        if parts.path == "/cgi-bin/ticket/getticket":
            server.calls["ticket"] += 1
            token = query.get("access_token", "")
            if query.get("type") != "jsapi" or token not in server.tokens or server.reject_token_once:
                server.reject_token_once = False
                return self.answer({"errcode": 40001, "errmsg": "invalid credential"})
            return self.answer({"errcode": 0, "errmsg": "ok", "ticket": server.ticket_for(token),
                                "expires_in": server.expires_in})
        self.send_error(404)

    def answer(self, data):
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def fake_wechat():
    server = FakeWeChat()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def wechat(tmp_path):
    with fake_wechat() as server:
        with override_settings(GONGYU_WECHAT_APPID=APPID, GONGYU_WECHAT_SECRET=SECRET, GONGYU_WECHAT_API=server.url,
                               PARENT_SITE_URL="https://parents.example.cn/", VAR_DIR=tmp_path,
                               GONGYU_WECHAT_SIGN_PER_MINUTE=1000):
            yield server


def test_signature_matches_the_example_in_wechats_documentation():
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    assert signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    assert signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com") == \
        "f4d90daf4b3bca3078ab155816175ba34c443a7b"


def sign(url, **extra):
    return Client().get("/api/wechat/signature/", {"url": url}, **extra)


def test_signing_view_is_off_by_default():
    response = sign("http://localhost:8001/")
    assert response.status_code == 404 and response.json() == {"error": "未启用微信分享。"}


def test_signing_view_signs_own_pages_and_caches_token_and_ticket(wechat):
    page = "https://parents.example.cn/studios/a/course/lesson/?from=timeline"
    response = sign(page + "#step-2")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["appId"] == APPID and response["Access-Control-Allow-Origin"] == "https://parents.example.cn"
    assert response["Cache-Control"] == "no-store"
    ticket = wechat.ticket_for("token-1")
    assert data["signature"] == signature(ticket, data["nonceStr"], data["timestamp"], page)   # '#…' not signed
    # Token and ticket are kept until shortly before they expire: more pages, no more calls.
    for _ in range(3):
        assert sign("https://parents.example.cn/search/?k=手机").status_code == 200
    assert wechat.calls == {"token": 1, "ticket": 1}


def test_expired_ticket_and_revoked_token_are_fetched_again(wechat):
    wechat.expires_in = 300        # within the safety margin: stale at once
    assert sign("https://parents.example.cn/").status_code == 200
    assert sign("https://parents.example.cn/").status_code == 200
    assert wechat.calls == {"token": 2, "ticket": 2}
    wechat.expires_in = 7200
    wechat.reject_token_once = True   # WeChat says the token is no longer valid: a new one, once
    response = sign("https://parents.example.cn/")
    assert response.status_code == 200
    assert wechat.calls == {"token": 4, "ticket": 4}
    assert response.json()["signature"] == signature(wechat.ticket_for("token-4"), response.json()["nonceStr"],
                                                     response.json()["timestamp"], "https://parents.example.cn/")


def test_only_the_parent_sites_own_urls_are_signed_and_requests_are_limited(wechat):
    for url in ("https://evil.example.com/", "https://parents.example.cn.evil.com/", "javascript:alert(1)",
                "https://parents.example.cn:444/", "", "https://parents.example.cn/" + "a" * 1100):
        response = sign(url)
        assert response.status_code == 400 and response.json() == {"error": "只能为本站的网页签名。"}, url
    assert wechat.calls == {"token": 0, "ticket": 0}
    assert Client().post("/api/wechat/signature/?url=https://parents.example.cn/").status_code == 405
    with override_settings(GONGYU_WECHAT_SIGN_PER_MINUTE=3):
        # 7 within at most two clock minutes: one of them has more than 3.
        codes = [sign("https://parents.example.cn/", REMOTE_ADDR="10.9.8.7").status_code for _ in range(7)]
        assert 429 in codes and codes[0] == 200
        refused = sign("https://parents.example.cn/", REMOTE_ADDR="10.9.8.7")
        if refused.status_code == 429:
            assert refused.json() == {"error": "请求太频繁,请稍后再试。"}
        assert sign("https://parents.example.cn/", REMOTE_ADDR="10.9.8.8").status_code == 200   # others unaffected


def test_wechat_unreachable_gives_a_clear_answer(tmp_path):
    with fake_wechat() as server:
        dead = server.url
    with override_settings(GONGYU_WECHAT_APPID=APPID, GONGYU_WECHAT_SECRET=SECRET, GONGYU_WECHAT_API=dead,
                           PARENT_SITE_URL="https://parents.example.cn/", VAR_DIR=tmp_path):
        response = sign("https://parents.example.cn/")
    assert response.status_code == 502 and response.json() == {"error": "暂时无法连接微信服务器,请稍后再试。"}


# -- the built site in chromium ------------------------------------------------------------------

class QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingWSGIServer(http.server.ThreadingHTTPServer, WSGIServer):
    pass


@contextlib.contextmanager
def serve_cms():
    """The CMS (Django's WSGI app) on a free localhost port: the signing view over real HTTP."""
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=ThreadingWSGIServer,
                         handler_class=QuietWSGIHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sites(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same catalogue published twice: with the share card off (the default) and on."""
    from cms.catalogue.models import LessonPage
    from cms.publishing.api import publish

    base = tmp_path_factory.mktemp("wechat")
    on, off = base / "on" / "site", base / "off" / "site"
    on.parent.mkdir()
    off.parent.mkdir()
    with fake_wechat() as api, serve_cms() as cms, serve(on) as on_url, serve(off) as off_url:
        settings = dict(GONGYU_WECHAT_APPID=APPID, GONGYU_WECHAT_SECRET=SECRET, GONGYU_WECHAT_API=api.url,
                        PARENT_SITE_URL=on_url + "/", VAR_DIR=base, GONGYU_WECHAT_SIGN_PER_MINUTE=1000)
        on_settings = override_settings(**settings, GONGYU_WECHAT_SIGNATURE_URL=cms + "/api/wechat/signature/")
        with django_db_blocker.unblock():
            with transaction.atomic():
                lesson = LessonPage.objects.live().order_by("path").first()
                info = {"on": on, "off": off, "on_url": on_url, "off_url": off_url, "cms": cms, "api": api,
                        "lesson": lesson.url_path[len("/home"):], "title": lesson.title}
                with override_settings(PARENT_SITE_URL=on_url + "/"):
                    publish(off, full=True)
                with on_settings:
                    publish(on, full=True)
                transaction.set_rollback(True)
        with on_settings:     # the signing view (served by this process) sees the same settings
            yield info


def page_html(out, url):
    return (out / url.strip("/") / "index.html").read_text(encoding="utf-8")


def test_with_the_setting_off_the_pages_are_exactly_as_before(sites):
    for url in ("/", sites["lesson"], "/search/"):
        on, off = page_html(sites["on"], url), page_html(sites["off"], url)
        meta = (f'<meta name="gy-wechat" content="{sites["cms"]}/api/wechat/signature/" '
                'data-sdk="/wechat/jweixin-1.6.5.js">')
        assert meta in on and "gy-wechat" not in off
        assert on.replace(meta, "", 1) == off, url
    assert (sites["on"] / "wechat" / "jweixin-1.6.5.js").is_file()


# What the SDK asks of WeChat's native bridge, recorded; every call answers "ok" as WeChat does.
BRIDGE = """
window.__wxCalls = [];
window.WeixinJSBridge = {
  invoke: function (name, args, callback) {
    window.__wxCalls.push([name, JSON.parse(JSON.stringify(args || {}))]);
    if (callback) setTimeout(function () { callback({ err_msg: name + ":ok" }); }, 0);
  },
  on: function () {}
};
"""


@pytest.fixture(scope="module")
def chromium(sites):
    from playwright.sync_api import sync_playwright

    from .search_eval import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(chromium, site_url, url, user_agent=None):
    """The page loaded until the network is idle (site.js runs before that, so a request it
    makes is in ``requests``); requests to anywhere but localhost are refused."""
    from .test_phone import PHONE

    context = chromium.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN",
                                   **({"user_agent": user_agent} if user_agent else {}))
    context.add_init_script(BRIDGE)
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
                  else route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
    page.goto(site_url + url, wait_until="networkidle")
    return context, page, requests, errors


def test_inside_wechat_the_share_card_is_configured_with_a_valid_signature(sites, chromium):
    from .test_phone import WECHAT_UA

    api = sites["api"]
    context, page, requests, errors = open_page(chromium, sites["on_url"], sites["lesson"] + "#step-2", WECHAT_UA)
    try:
        page.wait_for_function("window.__wxCalls.some(c => c[0] === 'updateAppMessageShareData')", timeout=30_000)
    except Exception as error:   # say what did happen
        raise AssertionError((page.evaluate("window.__wxCalls"), requests, errors)) from error
    calls = dict(page.evaluate("window.__wxCalls"))
    config = calls["preVerifyJSAPI"]
    page_url = sites["on_url"] + sites["lesson"]
    ticket = api.ticket_for(f"token-{api.calls['token']}")
    assert config["verifyAppId"] == APPID and config["verifySignType"] == "sha1"
    assert config["verifySignature"] == signature(ticket, config["verifyNonceStr"], config["verifyTimestamp"], page_url)
    assert set(config["verifyJsApiList"]) == {"updateAppMessageShareData", "updateTimelineShareData"}
    card = calls["updateAppMessageShareData"]
    assert card["title"] == page.locator('meta[property="og:title"]').get_attribute("content") == sites["title"]
    assert card["desc"] == page.locator('meta[property="og:description"]').get_attribute("content")
    assert card["link"] == page_url and card["imgUrl"].startswith(sites["on_url"] + "/")
    assert calls["updateTimelineShareData"]["title"] == sites["title"]
    assert any(r.startswith(sites["cms"] + "/api/wechat/signature/") for r in requests)
    assert errors == []
    context.close()


def test_outside_wechat_no_sdk_and_no_signature_is_requested(sites, chromium):
    for site, url in (("on_url", sites["lesson"]), ("on_url", "/"), ("off_url", sites["lesson"])):
        context, page, requests, errors = open_page(chromium, sites[site], url)
        assert not [r for r in requests if "jweixin" in r or "/api/wechat/" in r], requests
        assert errors == [] and page.evaluate("typeof window.wx") == "undefined"
        context.close()


def test_inside_wechat_with_the_setting_off_nothing_is_requested(sites, chromium):
    from .test_phone import WECHAT_UA

    context, page, requests, errors = open_page(chromium, sites["off_url"], sites["lesson"], WECHAT_UA)
    assert not [r for r in requests if "jweixin" in r or "/api/wechat/" in r], requests
    assert page.evaluate("window.__wxCalls") == [] and errors == []
    context.close()
