from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cms.publishing.api import PublishError, deploy_s3, publish


class Command(BaseCommand):
    help = "发布家长网站:只重新生成有变化的页面和搜索分片,完成后一次性切换上线。"

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="输出目录(默认 GONGYU_SITE_DIR,即 var/site)")
        parser.add_argument("--full", action="store_true", help="全部重新生成")
        parser.add_argument("--s3-bucket", help="同时部署到这个 S3 存储桶(只上传有变化的文件)")
        parser.add_argument("--s3-prefix", default="", help="存储桶内的路径前缀")
        parser.add_argument("--s3-endpoint-url", help="S3 兼容服务的地址(MinIO、OSS、COS…)")
        parser.add_argument("--status", action="store_true",
                            help="只显示发布状态:最近一次成功、排队、从何时起失败及原因")
        parser.add_argument("--verify", action="store_true",
                            help="核对数据库、线上网站和搜索索引,修复不一致并报告修了什么")

    def handle(self, *args, out=None, full=False, s3_bucket=None, s3_prefix="", s3_endpoint_url=None, **options):
        if options.get("status"):
            return self.show_status()
        if options.get("verify"):
            return self.verify(out)
        bar = None

        def progress(total=None, advance=0):
            nonlocal bar
            if total is not None:
                bar = tqdm(total=total, desc="生成页面", unit="页", disable=options["verbosity"] == 0 or not total)
            elif bar is not None:
                bar.update(advance)

        # Publishing the live site from the command counts like the worker's publish: its
        # success or failure is what the dashboard and `--status` report.
        from cms.publishing.tasks import finish_publish, start_publish

        live = out is None
        if live:
            start_publish()
        try:
            result = publish(out, full=full, progress=progress)
        except Exception as error:
            if live:
                finish_publish(error)
            if isinstance(error, PublishError):
                raise CommandError(str(error)) from error
            raise
        else:
            if live:
                finish_publish()
        finally:
            if bar is not None:
                bar.close()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(
                f"家长网站已发布到 {result.out}:更新 {len(result.written)} 个文件,删除 {len(result.removed)} 个,"
                f"重建搜索分片 {len(result.shards_indexed)} 个,用时 {result.timings.get('total', 0):.1f} 秒"
                + (f"({result.workers} 个进程并行生成页面)。" if result.workers > 1 else "。")))
            if result.pools > 1 and options["verbosity"] > 1:
                self.stdout.write(f"生成页面的工作进程换新 {result.pools - 1} 次(每个进程生成约 "
                                  f"{settings.GONGYU_PUBLISH_WORKER_FILES} 个文件后退出,内存不随网站增长)。")
        if s3_bucket:
            report = deploy_s3(result.out, bucket=s3_bucket, prefix=s3_prefix, endpoint_url=s3_endpoint_url)
            if options["verbosity"]:
                self.stdout.write(self.style.SUCCESS(
                    f"已部署到 s3://{s3_bucket}/{s3_prefix}:上传 {len(report.uploaded)} 个,删除 {len(report.deleted)} 个,"
                    f"未变 {report.unchanged} 个。"))

    def show_status(self):
        from cms.publishing.api import publish_status

        state = publish_status()
        for channel in state["channels"]:
            from cms.publishing.status import ChannelStatus, summary_line

            self.stdout.write(summary_line(ChannelStatus(**channel)))

    def verify(self, out):
        from cms.publishing.verify import verify

        found, left = verify(out, repair=True)
        self.stdout.write("核对了家长网站和搜索索引:" + "、".join(index.label for index in found.indexes.values()))
        if not found.total:
            self.stdout.write(self.style.SUCCESS("核对完毕:数据库、家长网站和搜索索引一致,没有需要修复的。"))
            return
        still = set(left.lines())
        self.stdout.write(f"发现 {found.total} 处不一致:{found.in_flight_line()}。")
        for line in found.lines():
            if line not in still:
                self.stdout.write(f"已修复 {line}")
        if left.total:
            for line in left.lines():
                self.stderr.write(f"仍不一致 {line}")
            raise CommandError(f"核对:发现 {found.total} 处不一致,修复后仍有 {left.total} 处。")
        self.stdout.write(self.style.SUCCESS(f"核对完毕:发现并修复了 {found.total} 处不一致。"))
