"""Production settings, login rate limit and upload size limits."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from wagtail.documents import get_document_model

from tests.security.roles import PASSWORD

REPO = Path(__file__).resolve().parents[2]


def readme_production_env():
    block = re.search(r"\*\*Production\.\*\*.*?```env\n(.*?)```", (REPO / "README.md").read_text(), re.S).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if line.strip())


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGYU_", "DJANGO_"))}
    env.update(readme_production_env(), GONGYU_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="cms.settings")
    # The README's example key is refused, as is a short one; a generated key passes.
    for key, error in ((env["GONGYU_SECRET_KEY"], "gongyu.E001"), ("short-key-1234", "gongyu.E002")):
        result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=REPO,
                                env={**env, "GONGYU_SECRET_KEY": key}, capture_output=True, text=True, timeout=120)
        assert result.returncode != 0 and error in result.stdout + result.stderr
    env["GONGYU_SECRET_KEY"] = secrets.token_urlsafe(50)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # And without them, the same check does complain (it is not silenced wholesale).
    env.pop("GONGYU_SECURE")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "security.W004" in result.stdout + result.stderr


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, GONGYU_LOGIN_FAILURE_LIMIT=3, GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS=10)
def test_logins_are_locked_after_repeated_wrong_passwords(client, teacher_a, teacher_b):
    login = "/admin/login/"
    for _ in range(3):
        response = client.post(login, {"username": "teacher_a", "password": "wrong"})
    assert response.status_code == 429
    locked = client.post(login, {"username": "teacher_a", "password": PASSWORD})
    assert locked.status_code == 429 and "登录尝试次数过多" in locked.content.decode()
    assert "登录已暂停 15 分钟。" in locked.content.decode() and "PT15M" not in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = client.post(login, {"username": "teacher_b", "password": PASSWORD})
    assert other.status_code == 302 and client.session["_auth_user_id"] == str(teacher_b.pk)


@pytest.mark.django_db
@override_settings(WAGTAILDOCS_MAX_UPLOAD_SIZE=1024)
def test_a_document_over_the_size_limit_is_refused_in_chinese(client, editor_user):
    client.force_login(editor_user)
    Document = get_document_model()
    before = Document.objects.count()
    big = SimpleUploadedFile("handout.pdf", b"%PDF" + b"x" * 4096, content_type="application/pdf")
    response = client.post("/admin/documents/add/", {"title": "大讲义", "file": big, "collection": 1})
    assert "文件过大" in response.content.decode()
    assert Document.objects.count() == before


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, GONGYU_LOGIN_FAILURE_LIMIT=3, GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS=10)
def test_password_spraying_from_one_address_is_locked_across_user_names(client, teacher_a):
    login = "/admin/login/"
    statuses = [client.post(login, {"username": f"guess{i}", "password": "123456"}).status_code for i in range(15)]
    assert statuses[:9] == [200] * 9 and statuses[9:] == [429] * 6  # the 10th failure locks the address
    locked = client.post(login, {"username": "teacher_a", "password": PASSWORD})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # Another address is not affected.
    other = client.post(login, {"username": "teacher_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


@pytest.mark.django_db
def test_admin_answers_carry_a_content_security_policy(client, editor_user):
    for url in ("/admin/login/", "/api/search/?q=倾听"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    client.force_login(editor_user)
    assert "base-uri 'self'" in client.get("/admin/")["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(GONGYU_MAX_UPLOAD_BYTES=64 * 1024)
def test_an_upload_is_cut_off_while_it_streams(client, editor_user):
    from django.contrib.messages import get_messages

    client.force_login(editor_user)
    Document = get_document_model()
    before = Document.objects.count()
    big = SimpleUploadedFile("handout.pdf", b"%PDF" + b"x" * (256 * 1024), content_type="application/pdf")
    response = client.post("/admin/documents/add/", {"title": "大讲义", "file": big, "collection": 1})
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("上传的文件太大(0.3 MB),上限是 0.1 MB,上传已停止。") for m in shown), shown
    assert Document.objects.count() == before
