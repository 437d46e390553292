from django.core.management.base import BaseCommand

from cms.dashboard.status import status_lines


class Command(BaseCommand):
    help = "共育的运行状态:后台队列、视频转码、家长网站的发布状态和版本。"

    def handle(self, **options):
        for line in status_lines():
            self.stdout.write(line)
