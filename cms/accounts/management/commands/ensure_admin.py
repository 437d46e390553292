import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "确保有一个管理员账号(第一次运行时创建,密码保存在 var/admin-password)。"

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("GONGYU_ADMIN_USER", "admin"))

    def handle(self, username, **options):
        User = get_user_model()
        password_file = settings.VAR_DIR / "admin-password"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = os.environ.get("GONGYU_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password,
                                          first_name="编辑", last_name="")
            password_file.write_text(password)
            password_file.chmod(0o600)
        elif password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = "(已由您设置,未保存在 var/ 中)"
        self.stdout.write(f"管理后台: {settings.WAGTAILADMIN_BASE_URL}/admin/")
        self.stdout.write(f"用户名: {username}")
        self.stdout.write(f"密码: {password}")
