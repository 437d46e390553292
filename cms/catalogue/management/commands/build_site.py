import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SITE_DIR = Path(settings.BASE_DIR) / "site"


class Command(BaseCommand):
    help = "用 mkdocs-material 构建家长网站到 var/site(目前为首页;完整的发布见 publish_site)。"

    def handle(self, **options):
        out = settings.SITE_OUTPUT_DIR
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean", "-f", str(SITE_DIR / "mkdocs.yml"),
             "-d", str(out)],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"家长网站构建失败:\n{result.stderr}")
        self.stdout.write(self.style.SUCCESS(f"家长网站已构建到 {out}"))
