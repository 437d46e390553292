"""python manage.py search_relevance [--backend embedded|elasticsearch|all] [--verbose]

Prints nDCG@5 and recall@10 on tests/search/judged.yaml for each backend (the database must
hold the demo curriculum; the backend's index must be built)."""

from django.core.management.base import BaseCommand

from search.backends import BACKENDS, get_backend
from search.relevance import evaluate, summary


class Command(BaseCommand):
    help = "用评测集计算搜索质量(nDCG@5、recall@10)。"

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="all")
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, backend="all", verbose=False, **options):
        names = list(BACKENDS) if backend == "all" else [backend]
        for name in names:
            try:
                engine = get_backend(name)
                scores = evaluate(engine)
            except Exception as error:  # a backend that is not reachable is reported, not fatal
                self.stdout.write(f"{name}: 无法评测({error.__class__.__name__}: {error})")
                continue
            s = summary(scores)
            self.stdout.write(f"{name}: nDCG@5 = {s['ndcg@5']:.3f}  recall@10 = {s['recall@10']:.3f}  ({s['queries']} queries)")
            if verbose:
                for score in scores:
                    self.stdout.write(f"  {score.ndcg5:.2f} {score.recall10:.2f} [{score.type}] {score.q}")
