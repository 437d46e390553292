"""python manage.py search "QUERY" [--json] [--stage S] [--theme T] [--problem P] [--kind K] [--backend B]"""

import json

from django.core.management.base import BaseCommand, CommandError

from search import api
from search.backends import get_backend


class Command(BaseCommand):
    help = "在终端里搜索课程(与 /api/search/ 相同的结果)。"

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--stage")
        parser.add_argument("--theme")
        parser.add_argument("--problem")
        parser.add_argument("--kind")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--backend", help="embedded 或 elasticsearch(默认看设置)")

    def handle(self, *args, **options):
        try:
            backend = get_backend(options["backend"])
            result = api.search(
                options["query"], stage=options["stage"], theme=options["theme"], problem=options["problem"],
                kind=options["kind"], page=options["page"], backend=backend,
            )
        except (api.QueryError, ValueError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        note = "(没有完全符合的结果,以下是最接近的结果)" if result["fallback"] else ""
        self.stdout.write(f"共 {result['total']} 条,用时 {result['took_ms']} 毫秒{note}")
        for n, item in enumerate(result["results"], start=(result["page"] - 1) * 10 + 1):
            self.stdout.write(f"{n:>3}. [{item['kind_name']}] {item['title']}  {item['url']}")
