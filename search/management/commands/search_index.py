"""python manage.py search_index rebuild [--backend B]   |   python manage.py search_index status"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import api
from search.backends import get_backend


class Command(BaseCommand):
    help = "重建或查看搜索索引。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "status"])
        parser.add_argument("--backend", help="embedded 或 elasticsearch(默认看设置)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, backend=None, no_progress=False, **options):
        try:
            engine = get_backend(backend)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if action == "status":
            self.stdout.write(f"{engine.name}: 索引中 {engine.count()} 条,应有 {api.expected_count()} 条")
            return
        total = api.expected_count()
        with tqdm(total=total, desc="重建搜索索引", unit="条", disable=no_progress, file=self.stderr._out) as bar:
            count = api.rebuild(engine, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"{engine.name}: 已索引 {count} 条"))
