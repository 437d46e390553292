"""The parents' judged set at catalogue scale: its 165 items among N generated lessons.

    .venv/bin/python bench/search_scale_quality.py [--lessons 10000] [--backends embedded,elasticsearch]
                                                   [--half dev|heldout]

The judged figures (tests/search/README.md) are taken on the 165 items alone, where no word is in
more than a few dozen entries. Here the same queries run against the items plus N lessons made by
``bench/search.py``'s generator (demo lessons' sentences, shuffled), the way a district's catalogue
surrounds any one lesson. The generated lessons are not judged and count as grade 0, so the
figures are a floor: a generated lesson that happens to answer the question lowers them. Compare
figures of the same N only. The dev half by default; ``--half heldout`` only to report, never to
tune (tests/search/README.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _bench_search():
    spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--backends", default="embedded,elasticsearch")
    parser.add_argument("--half", choices=["dev", "heldout"], default="dev")
    args = parser.parse_args()
    bench = _bench_search()
    var_dir = Path(tempfile.mkdtemp(prefix="gongyu-scale-quality-"))
    try:
        bench.setup_django(var_dir)
        from search.backends import get_backend
        from search.relevance import evaluate_parents, parents_entries

        node = None
        for name in args.backends.split(","):
            options = {}
            if name == "elasticsearch":
                from search.esnode import Node

                node = node or Node().start()
                options = {"url": node.url, "alias": "scale-quality"}
            engine = get_backend(name, **options)
            started = time.perf_counter()
            count = engine.rebuild(itertools.chain(parents_entries(), bench.generate(args.lessons)))
            print(f"[{name}] indexed {count} entries in {time.perf_counter() - started:.0f} s; {bench.uptime()}", flush=True)
            figures, _ = evaluate_parents(engine, args.half)
            print(f"[{name}] {args.half}, 165 items + {args.lessons} generated lessons: "
                  f"{json.dumps(figures, ensure_ascii=False)}", flush=True)
        if node:
            node.stop()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
