from django.core.management.base import BaseCommand
from tqdm import tqdm

from curricula.demo_media import make_package_media


class Command(BaseCommand):
    help = "为课程包生成缺少的演示视频(本机用 ffmpeg 绘制中文标题并配音,不下载任何内容)。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="课程包文件夹")
        parser.add_argument("--seconds", type=int, default=8, help="每段视频的时长(秒)")
        parser.add_argument("--size", default="640x360", help="画面尺寸,如 640x360")

    def handle(self, path, seconds, size, **options):
        with tqdm(desc="生成演示视频", unit="段", disable=not self.stdout.isatty()) as bar:
            made = make_package_media(path, seconds=seconds, size=size, progress=lambda _: bar.update(1))
        self.stdout.write(self.style.SUCCESS(f"生成了 {len(made)} 段演示视频。"))
