"""manage.py import_accounts FILE.xlsx|FILE.csv — teachers and school admins in bulk."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.accounts.importer import MAX_BYTES, ImportRefused, import_accounts, template_csv, template_xlsx
from cms.accounts.sheets import write_sheet


class Command(BaseCommand):
    help = "批量导入教师和学校管理员账号(.xlsx 或 .csv;--template 写出模板)。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件;与 --template 一起时为模板的保存位置")
        parser.add_argument("--template", action="store_true", help="写出一份空模板,不导入")

    def handle(self, file, template=False, **options):
        path = Path(file)
        if template:
            path.write_bytes(template_xlsx() if path.suffix.lower() == ".xlsx" else template_csv().encode("utf-8"))
            self.stdout.write(f"模板已写到 {path}。")
            return
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}。")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"文件太大:最多 {MAX_BYTES // 1024 // 1024} MB。")
        try:
            result = import_accounts(path.name, path.read_bytes(), settings.WAGTAILADMIN_BASE_URL)
        except ImportRefused as refused:
            raise CommandError("没有导入任何账号,请先改正:\n" + "\n".join(refused.problems)) from None
        self.stdout.write(f"新建 {len(result.created)} 个账号,更新 {len(result.updated)} 个,"
                          f"{len(result.unchanged)} 个没有变化。")
        if result.created:
            sheet = write_sheet(result.created)
            self.stdout.write(f"新账号设置密码的链接(每个只能用一次)已写到 {sheet}(只有本机的这个用户能读),"
                              "请打印后分发,然后删除这个文件。")
