"""Accounts in bulk: the admin's template, one upload for many teachers and school admins,
every problem listed at once (and nothing written), idempotent, one-time set-password links."""

import csv
import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from cms.studios.models import SchoolRole, StudioRole

pytestmark = pytest.mark.django_db
User = get_user_model()


def filled_template(editor_client, rows):
    """The Excel template downloaded from the admin, with its example rows replaced by ``rows``."""
    response = editor_client.get(reverse("accounts_import_template", args=("xlsx",)))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["用户名", "姓名", "邮箱", "角色", "所属"]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.name = "accounts.xlsx"
    out.seek(0)
    return out


def upload(editor_client, file):
    file.seek(0)
    return editor_client.post(reverse("accounts_import"), {"file": file})


def test_an_editor_imports_teachers_and_school_admins_once(editor_client):
    studio = StudioRole.objects.order_by("studio__path")[0]
    school = SchoolRole.objects.order_by("school__code")[0]
    file = filled_template(editor_client, [
        ["t_zhang", "张老师", "zhang@example.edu.cn", "教师", studio.studio.title],
        ["s_admin", "李主任", "", "学校管理员", school.school.code],
    ])
    page = upload(editor_client, file).content.decode()
    assert "新建 2 个账号,更新 0 个,0 个没有变化。" in page
    teacher = User.objects.get(username="t_zhang")
    assert teacher.groups.filter(pk=studio.group_id).exists() and not teacher.has_usable_password()
    assert User.objects.get(username="s_admin").groups.filter(pk=school.group_id).exists()
    assert page.count("/admin/password_reset/") == 2  # one set-password link per new user
    again = upload(editor_client, file).content.decode()
    assert "新建 0 个账号,更新 0 个,2 个没有变化。" in again
    assert "/admin/password_reset/" not in again
    assert User.objects.filter(username__in=["t_zhang", "s_admin"]).count() == 2


def test_every_problem_is_listed_and_nothing_is_written(editor_client):
    studio = StudioRole.objects.order_by("studio__path")[0]
    file = filled_template(editor_client, [
        ["ok_user", "好老师", "ok@example.edu.cn", "教师", studio.studio.title],
        ["", "没名字", "bad-mail", "校长", "某校"],
        ["ok_user", "", "", "教师", "不存在的工作室"],
    ])
    page = upload(editor_client, file).content.decode()
    assert "没有导入任何账号。请改正下面的问题后重新上传:" in page
    assert "第 3 行:用户名不能为空;邮箱「bad-mail」格式不对;角色「校长」不对,应为 教师 或 学校管理员。" in page
    assert "第 4 行:用户名「ok_user」与第 2 行重复;姓名不能为空;没有名为「不存在的工作室」的名师工作室。" in page
    assert not User.objects.filter(username="ok_user").exists()


def test_the_command_writes_a_private_sheet_and_the_link_works_once(tmp_path, settings, client):
    school = SchoolRole.objects.order_by("school__code")[0]
    path = tmp_path / "accounts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["用户名", "姓名", "邮箱", "角色", "所属"],
                                  ["s_wang", "王主任", "wang@example.edu.cn", "学校管理员", school.school.name]])
    out = io.StringIO()
    call_command("import_accounts", str(path), stdout=out)
    assert "新建 1 个账号" in out.getvalue()
    assert "password_reset" not in out.getvalue()  # the link is in the sheet, not on the terminal
    sheets = list((settings.VAR_DIR / "accounts").glob("set-password-links-*.csv"))
    assert len(sheets) == 1 and stat.S_IMODE(sheets[0].stat().st_mode) == 0o600
    link = list(csv.reader(sheets[0].read_text(encoding="utf-8-sig").splitlines()))[1][2]
    path_only = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path_only, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path_only
    done = client.post(set_url, {"new_password1": "Gongyu-新密码-2026", "new_password2": "Gongyu-新密码-2026"})
    assert done.status_code == 302
    assert User.objects.get(username="s_wang").check_password("Gongyu-新密码-2026")
    reused = client.get("/" + path_only, follow=True).content.decode()
    assert 'name="new_password1"' not in reused  # the link works once
    with pytest.raises(CommandError, match="第 2 行"):
        bad = tmp_path / "bad.csv"
        bad.write_text("用户名,姓名,邮箱,角色,所属\nx,,,,\n", encoding="utf-8")
        call_command("import_accounts", str(bad))
    sheets[0].unlink()
