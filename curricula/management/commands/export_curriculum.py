from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from curricula.api import export_package


class Command(BaseCommand):
    help = "把数据库中的课程内容导出为课程包(YAML + 媒体文件)。"

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="导出到的文件夹(应为空或不存在)")

    def handle(self, out_dir, **options):
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"目标文件夹「{out}」不是空的:请指定一个空文件夹,以免覆盖已有文件。")
        export_package(out)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        self.stdout.write(self.style.SUCCESS(f"已导出到 {out}({files} 个文件)。"))
