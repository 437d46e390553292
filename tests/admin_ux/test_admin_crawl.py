"""Every admin page a role can reach from its menu, in chromium against a real gunicorn server:
no request leaves for another host (no gravatar, no CDN, no Wagtail help pages) and no English
UI word shows."""

import json
import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.admin_ux.conftest import live_db, login

pytestmark = [pytest.mark.slow, live_db]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# English words of Wagtail's UI that showed (or could show) through a missing translation.
ENGLISH = [
    "Root", "None", "True", "False", "Insert a block", "new items in this menu", "Wagtail", "Dashboard",
    "Pages", "Images", "Documents", "Snippets", "Reports", "Settings", "Help", "Search", "Edit", "Delete",
    "Add child page", "Sign out", "Log out", "Account", "Not Found", "Page not found", "Editor Guide",
    "What's new", "Sort", "Status", "Live", "Draft", "More options", "Previous", "Next", "Filter",
    "Loading", "Save", "Cancel", "Publish", "Submit", "Choose", "Upload", "Collection", "Title",
    "Updated", "Type", "Actions", "results", "Showing", "No results",
]
ENGLISH_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![A-Za-z])")


def menu_urls(page, base):
    """Every admin URL in the sidebar's main menu (the sidebar is rendered from a JSON script)."""
    props = json.loads(page.locator("#wagtail-sidebar-props").text_content())
    found = []

    def walk(node):
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str) and url.startswith("/admin/") and "logout" not in url:
                found.append(url)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return list(dict.fromkeys(urljoin(base, u) for u in found))


def english_words(page):
    text = page.evaluate("() => document.body.innerText + ' ' + document.title")
    return sorted(set(ENGLISH_RE.findall(text)))


def test_every_menu_page_is_chinese_and_local_for_every_role(admin_server, browser, role_users):
    failures = [crawl(admin_server, browser, username) for username in ("ux_editor", "ux_teacher", "ux_school")]
    assert not [f for f in failures if f], "\n".join(f for f in failures if f)


def crawl(admin_server, browser, username):
    context, page = login(browser, admin_server, username)
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https", "ws", "wss") and urlsplit(r.url).hostname not in LOCAL_HOSTS
            else None)
    page.goto(admin_server + "/admin/")
    urls = [admin_server + "/admin/"] + menu_urls(page, admin_server)
    problems = {}
    for url in urls:
        response = page.goto(url, wait_until="networkidle", timeout=120_000)
        if response.status >= 400:
            problems[url] = f"HTTP {response.status}"
            continue
        words = english_words(page)
        if words:
            problems[url] = words
    context.close()
    report = []
    if outside:
        report.append(f"{username}: requests to other hosts: {sorted(set(outside))}")
    if problems:
        report.append(f"{username}: English UI words or errors: {json.dumps(problems, ensure_ascii=False, indent=1)}")
    if len(urls) < 3:
        report.append(f"{username}: only {len(urls)} pages in the menu")
    return "\n".join(report)
