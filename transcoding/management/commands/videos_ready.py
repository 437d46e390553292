"""Tell the operator how the videos' transcoding is going, for `./gongyu up`'s summary.

    manage.py videos_ready           one line now: how many videos are ready, how many remain
    manage.py videos_ready --wait    also wait, quietly, and print one more line when none remain
"""

import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from transcoding.models import VideoAsset


def counts():
    by_status = dict(VideoAsset.objects.values_list("status").annotate(n=Count("pk")).order_by())
    ready = by_status.get(VideoAsset.Status.READY, 0)
    failed = by_status.get(VideoAsset.Status.FAILED, 0)
    remaining = sum(by_status.values()) - ready - failed
    return ready, remaining, failed


class Command(BaseCommand):
    help = "显示视频转码进度(已完成多少、还剩多少);--wait 等到全部完成后再说一句。"

    def add_arguments(self, parser):
        parser.add_argument("--wait", action="store_true", help="等到没有待转码的视频时再输出一行")
        parser.add_argument("--interval", type=float, default=5.0, help="--wait 时查询的间隔秒数")

    def handle(self, wait, interval, **options):
        ready, remaining, failed = counts()
        self.stdout.write(self.line(ready, remaining, failed))
        if not wait or remaining == 0:
            return
        while remaining:
            time.sleep(max(interval, 0.5))
            ready, remaining, failed = counts()
        self.stdout.write(self.line(ready, remaining, failed))

    @staticmethod
    def line(ready, remaining, failed):
        total = ready + remaining + failed
        if total == 0:
            return "视频:还没有视频"
        text = (f"视频:{ready}/{total} 个已转码完成,还有 {remaining} 个在排队或转码中(进度: ./gongyu status)"
                if remaining else f"视频:全部 {ready} 个已转码完成")
        if failed:
            text += f";{failed} 个转码失败,请在后台“视频”中查看原因并重试"
        return text
