"""The admin under its Content-Security-Policy in real chromium against a real gunicorn: every
page each role uses (the menu's pages, editing a lesson, the upload forms) loads without a single
CSP violation — neither a ``securitypolicyviolation`` event in the page nor a console error
about the policy. A violation means a script, style, image, font or connection was blocked, so
part of the admin silently does not work."""

import json
from urllib.parse import urljoin

import pytest

from tests.admin_ux.conftest import admin_server, browser, live_db, login, role_users  # noqa: F401 - fixtures
from tests.admin_ux.test_admin_crawl import menu_urls

pytestmark = [pytest.mark.slow, live_db]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def extra_pages(username, users):
    from cms.catalogue.models import LessonPage

    if username == "ux_school":
        return []
    lessons = LessonPage.objects.order_by("path")
    if username == "ux_teacher":
        lessons = lessons.descendant_of(users["studio"].studio)
    lesson = lessons.first()
    return [f"/admin/pages/{lesson.pk}/edit/", f"/admin/pages/{lesson.get_parent().pk}/",
            "/admin/images/add/", "/admin/documents/add/", "/admin/snippets/transcoding/videoasset/add/",
            "/admin/images/multiple/add/"]


def violations_for(admin_server, browser, username, users):
    context, page = login(browser, admin_server, username)
    context.add_init_script(WATCH)
    console = []
    page.on("console", lambda m: console.append(m.text)
            if m.type == "error" and ("Content Security Policy" in m.text or "Content-Security-Policy" in m.text)
            else None)
    page.goto(admin_server + "/admin/")
    urls = list(dict.fromkeys([admin_server + "/admin/"] + menu_urls(page, admin_server)
                              + [urljoin(admin_server, u) for u in extra_pages(username, users)]))
    found = {}
    for url in urls:
        console.clear()
        response = page.goto(url, wait_until="networkidle", timeout=120_000)
        assert response.status < 400, (username, url, response.status)
        assert "default-src 'self'" in response.headers.get("content-security-policy", ""), url
        events = page.evaluate("() => window.__csp")
        if events or console:
            found[url] = sorted(set(events + console))
    # the watch itself works: a picture from another origin is a violation it reports
    page.evaluate("() => { const i = new Image(); i.src = 'https://example.invalid/x.png'; document.body.append(i); }")
    page.wait_for_function("() => window.__csp.length > 0", timeout=30_000)
    assert "img-src blocked https://example.invalid/x.png" in page.evaluate("() => window.__csp")[0]
    context.close()
    return len(urls), found


def test_no_csp_violation_on_any_admin_page_of_any_role(admin_server, browser, role_users):  # noqa: F811
    report, walked = {}, {}
    for username in ("ux_editor", "ux_teacher", "ux_school"):
        walked[username], found = violations_for(admin_server, browser, username, role_users)
        if found:
            report[username] = found
    print(f"\nadmin pages checked under the CSP: {walked}")
    assert not report, json.dumps(report, ensure_ascii=False, indent=1)
