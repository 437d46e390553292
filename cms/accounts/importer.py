"""Teachers and school admins in bulk, from a spreadsheet (.xlsx) or CSV file.

Columns (first row, in any order): 用户名, 姓名, 邮箱, 角色 (教师 or 学校管理员), 所属
(a teacher's 名师工作室: its title or slug; a school admin's 学校: its code or name).

The whole file is checked first and every problem is listed in Chinese ("第 3 行:…"); if there
is any, nothing is written. Importing the same file again changes nothing (users are matched by
user name; their passwords are never touched). A new user gets no password: they get a one-time
link to set their own (Django's password-reset token; it stops working once used, or after
PASSWORD_RESET_TIMEOUT), returned to the caller for a printed sheet, never logged.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
COLUMNS = ["用户名", "姓名", "邮箱", "角色", "所属"]
ROLES = {"教师": "teacher", "学校管理员": "school"}
USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
TEMPLATE_ROWS = [
    ["wang_laoshi", "王老师", "wang@example.edu.cn", "教师", "（名师工作室的名称）"],
    ["s001_admin", "李主任", "li@example.edu.cn", "学校管理员", "（学校编码，例如 S001）"],
]


class ImportRefused(Exception):
    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Result:
    created: list = field(default_factory=list)     # (user, one-time link)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def read_rows(name, data):
    """The file's rows as lists of strings (header first)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused([f"文件太大:最多 {MAX_BYTES // 1024 // 1024} MB。"])
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception:
            raise ImportRefused(["无法读取这个 Excel 文件,请用模板重新保存为 .xlsx。"]) from None
        rows = []
        for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2):
            rows.append(["" if v is None else str(v).strip() for v in row])
        return rows
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportRefused(["无法识别这个 CSV 文件的编码,请保存为 UTF-8。"]) from None
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    raise ImportRefused(["只能导入 .xlsx 或 .csv 文件。"])


def find_studio(value):
    from cms.studios.models import StudioRole

    return (StudioRole.objects.filter(studio__title=value).first()
            or StudioRole.objects.filter(studio__slug=value).first())


def find_school(value):
    from cms.studios.models import SchoolRole

    return (SchoolRole.objects.filter(school__code=value).first()
            or SchoolRole.objects.filter(school__name=value).first())


def check(rows):
    """Every problem of the whole file (Chinese, one line each), and the rows that passed."""
    rows = [r for r in rows if any(r)]
    if not rows:
        return ["文件是空的。"], []
    header = rows[0]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [f"第 1 行缺少列:{'、'.join(missing)}(请使用下载的模板)。"], []
    if len(rows) - 1 > MAX_ROWS:
        return [f"一次最多导入 {MAX_ROWS} 个账号,这个文件有 {len(rows) - 1} 个。"], []
    index = {name: header.index(name) for name in COLUMNS}
    problems, good, seen = [], [], {}
    User = get_user_model()
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        values = {name: row[index[name]] for name in COLUMNS}
        line = []
        username = values["用户名"]
        if not username:
            line.append("用户名不能为空")
        elif not USERNAME.match(username):
            line.append(f"用户名「{username}」只能包含字母、数字和 @ . + - _")
        elif username in seen:
            line.append(f"用户名「{username}」与第 {seen[username]} 行重复")
        else:
            seen[username] = number
        if not values["姓名"]:
            line.append("姓名不能为空")
        if values["邮箱"]:
            try:
                validate_email(values["邮箱"])
            except ValidationError:
                line.append(f"邮箱「{values['邮箱']}」格式不对")
        role = ROLES.get(values["角色"])
        target = None
        if role is None:
            line.append(f"角色「{values['角色']}」不对,应为 教师 或 学校管理员")
        elif not values["所属"]:
            line.append("所属不能为空(教师填名师工作室,学校管理员填学校编码)")
        elif role == "teacher":
            target = find_studio(values["所属"])
            if target is None:
                line.append(f"没有名为「{values['所属']}」的名师工作室")
        else:
            target = find_school(values["所属"])
            if target is None:
                line.append(f"没有编码或名称为「{values['所属']}」的学校")
        existing = User.objects.filter(username=username).first() if username else None
        if existing is not None and (existing.is_superuser or existing.is_staff):
            line.append(f"用户名「{username}」是管理员账号,不能用导入修改")
        if line:
            problems.append(f"第 {number} 行:" + ";".join(line) + "。")
        else:
            good.append({"username": username, "name": values["姓名"], "email": values["邮箱"],
                         "group": target.group, "user": existing})
    return problems, good


def set_password_link(user, base_url):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("wagtailadmin_password_reset_confirm", args=(uid, token))


def import_accounts(name, data, base_url):
    """Check the whole file, then (only if there is no problem) create or update the users."""
    problems, good = check(read_rows(name, data))
    if problems:
        raise ImportRefused(problems)
    User = get_user_model()
    result = Result()
    with transaction.atomic():
        for row in good:
            user = row["user"]
            if user is None:
                user = User(username=row["username"], first_name=row["name"], email=row["email"])
                user.set_unusable_password()
                user.save()
                user.groups.add(row["group"])
                result.created.append(user)
                continue
            changed = False
            if (user.first_name, user.email) != (row["name"], row["email"] or user.email):
                user.first_name, user.email = row["name"], row["email"] or user.email
                user.save(update_fields=["first_name", "email"])
                changed = True
            if not user.groups.filter(pk=row["group"].pk).exists():
                user.groups.add(row["group"])
                changed = True
            (result.updated if changed else result.unchanged).append(user)
    result.created = [(user, set_password_link(user, base_url)) for user in result.created]
    return result


def template_xlsx():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "账号"
    sheet.append(COLUMNS)
    for row in TEMPLATE_ROWS:
        sheet.append(row)
    for column, width in zip("ABCDE", (18, 12, 26, 14, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + out.getvalue()
