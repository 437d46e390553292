"""The same refusals over real HTTP: the production server (gunicorn, cms.settings) on the test
database, and a real login. (Django's own live test server also serves MEDIA_ROOT, which the
real app does not, so it would not test our /media/ rule.)"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.security.roles import PASSWORD, draft_lesson, studio_document

MARKER = "SECRET-LIVE-A-91d2"


def session_for(base, user):
    session = requests.Session()
    login = base + "/admin/login/"
    session.get(login, timeout=30)
    response = session.post(login, timeout=30, allow_redirects=False, data={
        "username": user.username, "password": PASSWORD,
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, headers={"Referer": login})
    assert response.status_code == 302, response.text[:500]
    return session


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_server(transactional_db):
    """gunicorn serving cms.wsgi (production settings) on the test database; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "DATABASE_URL": database_url(),
           "GONGYU_VAR_DIR": str(settings.VAR_DIR), "GONGYU_MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    env["GONGYU_TESTING"] = "1"  # only: no collected static files (no manifest) in a test run
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "cms.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--log-level", "warning"], env=env, cwd=settings.BASE_DIR)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded 2-core CI machine starts gunicorn slowly
        while True:
            try:
                requests.get(base + "/admin/login/", timeout=30)
                break
            except requests.RequestException:
                assert process.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_another_studio_gets_nothing_over_real_http(app_server, studio_a, teacher_a, teacher_b):
    lesson = draft_lesson(studio_a, MARKER)
    document = studio_document(studio_a, MARKER)
    base = app_server
    urls = {
        "edit": f"/admin/pages/{lesson.pk}/edit/",
        "preview": f"/admin/pages/{lesson.pk}/view_draft/",
        "revision": f"/admin/pages/{lesson.pk}/revisions/{lesson.latest_revision.pk}/view/",
        "chooser by id": f"/admin/choose-page/chosen-multiple/?id={lesson.pk}",
        "document": document.url,
        "document in /media/": "/media/" + document.file.name,
    }
    own, other, anonymous = session_for(base, teacher_a), session_for(base, teacher_b), requests.Session()
    for name, url in urls.items():
        mine = own.get(base + url, timeout=30)
        if "/media/" not in name:
            assert mine.status_code == 200 and MARKER in mine.text, name
        for who, session in (("teacher_b", other), ("anonymous", anonymous)):
            response = session.get(base + url, timeout=30, allow_redirects=False)
            assert MARKER not in response.text, (who, name)
            assert response.status_code in (302, 403, 404), (who, name, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].split("?")[0] in ("/admin/", "/admin/login/", "/_util/login/"), (who, name)
    public = anonymous.get(base + lesson.url_path.replace("/home", "", 1), timeout=30)
    assert public.status_code == 404 and MARKER not in public.text
