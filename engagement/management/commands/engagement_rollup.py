"""manage.py engagement_rollup: count the raw events the worker has not counted yet (now)."""

from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "立即汇总尚未统计的家长参与记录(平时由后台任务每分钟完成)。"

    def handle(self, *args, **options):
        import datetime

        from engagement.rollup import prune, run_rollup

        result = run_rollup(now=timezone.now() + datetime.timedelta(minutes=1))
        removed = prune()
        self.stdout.write(f"已汇总 {result['events']} 条记录({result['slices']} 个时段),清理过期记录 {removed} 条。")
