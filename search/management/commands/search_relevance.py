"""python manage.py search_relevance [--backend embedded|elasticsearch|all] [--verbose]
python manage.py search_relevance --parents [--half dev|heldout] [--backend …] [--verbose]

Without ``--parents``: nDCG@5 and recall@10 on tests/search/judged.yaml for each backend (the
database must hold the demo curriculum; the backend's index must be built).

With ``--parents``: the parents' judged set (tests/search/parents). Its items REPLACE the
backend's index, so run it against a scratch database (GONGYU_VAR_DIR=/tmp/x, after migrate)
and a scratch Elasticsearch alias (GONGYU_ES_INDEX), never a live site."""

import json

from django.core.management.base import BaseCommand

from search.backends import BACKENDS, get_backend
from search.relevance import evaluate, evaluate_parents, parents_entries, summary


class Command(BaseCommand):
    help = "用评测集计算搜索质量(nDCG@5、recall@10)。"

    def add_arguments(self, parser):
        parser.add_argument("--backend", default="all")
        parser.add_argument("--verbose", action="store_true")
        parser.add_argument("--parents", action="store_true", help="家长评测集(会替换索引内容,只用于临时库)")
        parser.add_argument("--half", choices=["dev", "heldout", "both"], default="dev")

    def handle(self, *args, backend="all", verbose=False, **options):
        names = list(BACKENDS) if backend == "all" else [backend]
        for name in names:
            try:
                engine = get_backend(name)
                if options["parents"]:
                    self.parents(name, engine, options["half"], verbose)
                    continue
                scores = evaluate(engine)
            except Exception as error:  # a backend that is not reachable is reported, not fatal
                self.stdout.write(f"{name}: 无法评测({error.__class__.__name__}: {error})")
                continue
            s = summary(scores)
            self.stdout.write(f"{name}: nDCG@5 = {s['ndcg@5']:.3f}  recall@10 = {s['recall@10']:.3f}  ({s['queries']} queries)")
            if verbose:
                for score in scores:
                    self.stdout.write(f"  {score.ndcg5:.2f} {score.recall10:.2f} [{score.type}] {score.q}")

    def parents(self, name, engine, half, verbose):
        engine.rebuild(parents_entries())
        for h in (["dev", "heldout"] if half == "both" else [half]):
            figures, rows = evaluate_parents(engine, h)
            self.stdout.write(f"{name} {h}: {json.dumps(figures, ensure_ascii=False)}")
            if verbose:
                for r in rows:
                    self.stdout.write(f"  {r['ndcg5']:.2f} {r['recall10']:.2f} {r['type']:<10} {r['q']} -> "
                                      + " ".join(u[6:-1] for u in r["ranked"][:6]))
