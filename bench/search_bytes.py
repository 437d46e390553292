#!/usr/bin/env python
"""Bytes on the wire for a parent's first search on the built site (issue 17 item 2), by file kind.

    .venv/bin/python bench/search_bytes.py --lessons 10000 [--layout shards|merged|both] [--limit K] [--replicate 10]

Builds (once) a generated site of N lessons with ``bench/publish.py``'s generator in a fixed folder
under ``$GONGYU_VAR_DIR`` (default /tmp/gongyu-search-bytes), so later runs reuse it; ``--rebuild``
starts again, ``--reindex`` re-runs the search index and ``site.json`` of the built pages (after a
change to ``cms/publishing/searchindex.py`` or ``vocabulary.py``). The working tree's ``search.js``
replaces the site's copy before measuring, so a change to it is measured without a rebuild.

For every judged query (tests/search/judged.yaml and tests/search/parents/*.yaml) a fresh chromium
context (empty cache, no service worker) opens /search/ and runs the query once; the bytes of every
search request (gzip on the wire as ``bench/serve_site.py`` serves it) are summed and split by kind:
Pagefind's runtime (pagefind.js + wasm), its entry and metadata files, index chunks, filter chunks,
fragments (one per result whose text is read), the first-screen term and card files
(``pagefind/fs/``, cms/publishing/firstscreen.py), ``site.json`` and ``search.js``. Prints min /
median / max, the worst five and the mean breakdown, with ``uptime`` before and after.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--layout", choices=["shards", "merged", "both"], default="shards")
    parser.add_argument("--limit", type=int, default=0, help="only the first K queries (a quick look)")
    parser.add_argument("--rebuild", action="store_true", help="generate and build the site again")
    parser.add_argument("--reindex", action="store_true", help="re-run the search index and site.json")
    parser.add_argument("--site-json", action="store_true",
                        help="write site.json (the vocabulary) and the first-screen files again, not Pagefind's index")
    parser.add_argument("--replicate", type=int, default=0,
                        help="also measure first-screen files made for N times the built pages (each page repeated "
                             "under new ids), on a hard-linked copy of the site: the first-screen bytes at N× the "
                             "catalogue without generating and rendering it")
    parser.add_argument("--js", default=str(REPO / "site/overrides/assets/javascripts/search.js"))
    parser.add_argument("--json", help="write {layout: {query: {kind: bytes}}} to this file")
    return parser.parse_args()


ARGS = parse()
BASE = Path(os.environ.get("GONGYU_VAR_DIR", "/tmp/gongyu-search-bytes")) / f"bench-search-{ARGS.lessons}"
if ARGS.rebuild:
    shutil.rmtree(BASE, ignore_errors=True)
BASE.mkdir(parents=True, exist_ok=True)
# bench/publish.py reads its own arguments and picks its work folder when imported: give it ours.
sys.argv = [sys.argv[0], "--lessons", str(ARGS.lessons), "--keep", "--skip-baseline"]
_mkdtemp = tempfile.mkdtemp
# Only bench/publish.py's own work folder is ours; every other temporary folder (the first-screen
# writer's spool, which is removed after a build) stays a new one.
tempfile.mkdtemp = lambda *a, **k: str(BASE) if str(k.get("prefix", "")).startswith("gongyu-bench-publish-") else _mkdtemp(*a, **k)
from bench import publish as bench  # noqa: E402

KINDS = [
    ("terms", re.compile(r"/pagefind/fs/t/")),
    ("cards", re.compile(r"/pagefind/fs/c/")),
    ("runtime", re.compile(r"/pagefind\.js$|\.pagefind$|wasm")),
    ("entry", re.compile(r"pagefind-entry\.json$")),
    ("meta", re.compile(r"\.pf_meta$")),
    ("index", re.compile(r"\.pf_index$")),
    ("filter", re.compile(r"\.pf_filter$")),
    ("fragment", re.compile(r"\.pf_fragment$")),
    ("site.json", re.compile(r"site\.json")),
    ("words", re.compile(r"/pagefind/words/")),
    ("search.js", re.compile(r"/search\.[^/]*js$|/search\.js$")),
]


def kind_of(url):
    path = url.split("?")[0]
    for name, pattern in KINDS:
        if pattern.search(path):
            return name
    return "other"


def build():
    marker = BASE / "built.json"
    out = BASE / "var" / "site"
    if not marker.exists():
        t_gen, made = bench.timed(bench.generate, ARGS.lessons)
        t_pub, _ = bench.timed(bench.publish, out, full=True)
        marker.write_text(json.dumps({"lessons": made, "generate_s": round(t_gen, 1), "publish_s": round(t_pub, 1)}))
        print(f"built {made} lessons: generated in {t_gen:.0f} s, published in {t_pub:.0f} s")
    elif ARGS.reindex or ARGS.site_json:
        reindex(out.resolve(), index=ARGS.reindex)
    return out.resolve()


def searchable_files(out):
    from cms.publishing.models import PublishedFile

    rows = PublishedFile.objects.filter(target=str(out.parent.absolute() / out.name), shard__isnull=False)
    if not rows.exists():
        rows = PublishedFile.objects.filter(shard__isnull=False)
    return rows


def reindex(live, index=True):
    """The built pages' search index and site.json again, with the working tree's code."""
    from cms.publishing import firstscreen
    from cms.publishing.searchindex import index_shards, write_site_json
    from cms.publishing.vocabulary import Vocabulary

    rows = searchable_files(live)
    shards = {}
    for path, shard in rows.values_list("path", "shard"):
        shards.setdefault(shard, []).append(path)
    site = json.loads((live / "pagefind" / "site.json").read_text())
    started = time.monotonic()
    if index:
        index_shards(live, shards)
    from cms.catalogue.models import CoursePage, LessonPage, StudioPage
    from cms.taxonomy.models import Problem

    texts = [t for model in (CoursePage, LessonPage, StudioPage) for t in model.objects.live().values_list("title", flat=True)]
    texts += list(Problem.objects.values_list("title", flat=True))
    t_fs = time.monotonic()
    pages = dict(rows.values_list("path", "page_id"))
    first_screen = firstscreen.update(live, None, pages, full=True)
    t_fs = time.monotonic() - t_fs
    words = dict(Vocabulary().browser_vocabulary(texts), kinds=site["vocabulary"].get("kinds", {}), fs=first_screen)
    write_site_json(live, sorted(shards), words, site.get("gone", []))
    print(f"first-screen files of {len(pages)} pages written in {t_fs:.0f} s: {first_screen['files']} term files, "
          f"{len(list((live / firstscreen.ROOT / 'c').glob('*.json')))} card files, "
          f"{sum(f.stat().st_size for f in (live / firstscreen.ROOT).rglob('*.json')) / 2**20:.1f} MB")
    print(f"re-indexed {len(shards)} shards and wrote site.json in {time.monotonic() - started:.0f} s; {peak_child()}"
          if index else f"wrote site.json and the word lists in {time.monotonic() - started:.0f} s")


def replica(live, times):
    """A hard-linked copy of the site whose first-screen files hold every searchable page ``times``
    times (copy k of page id p gets id p + k·step and the address p's + ``?copy=k``): the term
    files then list the same words over ``times`` as many pages, and keep each term's best K."""
    from cms.publishing import firstscreen

    root = BASE / f"replica-{times}" / "site"
    marker = root.parent / "done.json"
    if marker.exists():
        print(f"replica of {times}× reused: {marker.read_text()}")
        return root
    shutil.rmtree(root.parent, ignore_errors=True)
    root.parent.mkdir(parents=True)
    import subprocess

    subprocess.run(["cp", "-al", str(live), str(root)], check=True)
    shutil.rmtree(root / firstscreen.ROOT)
    pages = dict(searchable_files(live).values_list("path", "page_id"))
    started = time.monotonic()
    base = list(firstscreen._entries(live, pages))
    t_entries = time.monotonic() - started
    step = -(-(max(pk for pk, _ in base) + 1) // firstscreen.CARDS_PER_FILE) * firstscreen.CARDS_PER_FILE

    def entries():
        for k in range(times):
            for pk, (card, terms) in base:
                yield pk + k * step, ({**card, "u": card["u"] + (f"?copy={k}" if k else "")}, terms)

    import resource

    started = time.monotonic()
    settings = firstscreen.write_all(root, None, entries())
    t_write = time.monotonic() - started
    site = json.loads((root / "pagefind" / "site.json").read_text())
    site["vocabulary"]["fs"] = settings
    (root / "pagefind" / "site.json").unlink()
    (root / "pagefind" / "site.json").write_text(json.dumps(site, ensure_ascii=False, separators=(",", ":")))
    info = (f"{len(base) * times} pages ({len(base)} × {times}): entries {t_entries:.0f} s, files written in "
            f"{t_write:.0f} s, {settings['files']} term files, "
            f"{len(list((root / firstscreen.ROOT / 'c').glob('*.json')))} card files, "
            f"{sum(f.stat().st_size for f in (root / firstscreen.ROOT).rglob('*.json')) / 2**20:.1f} MB; "
            f"peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")
    marker.write_text(json.dumps(info, ensure_ascii=False))
    print(f"replica: {info}")
    return root


def peak_child():
    """Peak resident memory of the biggest child process so far (Pagefind, when it indexed)."""
    import resource

    return f"peak memory of a child process (Pagefind) {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20:.2f} GB"


def install_js(root):
    """The working tree's search.js in place of the site's fingerprinted copy (a new file each
    time: the release folders share files through hard links)."""
    source = Path(ARGS.js).read_bytes()
    for target in (root / "assets" / "javascripts").glob("search*.js"):
        tmp = target.with_name(target.name + ".bench")
        tmp.write_bytes(source)
        tmp.replace(target)


def measure(base, queries):
    """{query: {kind: bytes, "fragments": n, …}} for one first search each in a fresh context
    (``bench/publish.py``'s ``first_search_bytes``, split by kind)."""
    out = {}
    for query, found in bench.first_search_bytes(base, queries, detail=True).items():
        row = {}
        for url, size in found["sizes"].items():
            k = kind_of(url)
            row[k] = row.get(k, 0) + size
            if k in ("fragment", "index", "cards", "terms"):
                count = {"fragment": "fragments", "index": "chunks"}.get(k, k + " files")
                row[count] = row.get(count, 0) + 1
        row["total"] = sum(found["sizes"].values())
        row["searched"] = found["searched"]
        out[query] = row
    return out


def summary(label, rows):
    totals = sorted(r["total"] for r in rows.values())
    print(f"{label}: {len(rows)} queries, first-search bytes min / median / max "
          f"{totals[0] / 1024:.0f} / {statistics.median(totals) / 1024:.0f} / {totals[-1] / 1024:.0f} KB; "
          f"over 300 KB: {sum(t > 300 * 1024 for t in totals)}")
    kinds = [k for k, _ in KINDS] + ["other"]
    means = {k: statistics.mean(r.get(k, 0) for r in rows.values()) for k in kinds}
    print("  mean by kind: " + ", ".join(f"{k} {v / 1024:.1f}" for k, v in means.items() if v) + " KB; "
          f"fragments {statistics.mean(r.get('fragments', 0) for r in rows.values()):.1f}, "
          f"index chunks {statistics.mean(r.get('chunks', 0) for r in rows.values()):.1f}, "
          f"term files {statistics.mean(r.get('terms files', 0) for r in rows.values()):.1f}, "
          f"card files {statistics.mean(r.get('cards files', 0) for r in rows.values()):.1f} a query; "
          f"Pagefind opened by {sum(bool(r.get('runtime')) for r in rows.values())} queries")
    for q, r in sorted(rows.items(), key=lambda kv: -kv[1]["total"])[:5]:
        print(f"  worst {r['total'] / 1024:6.0f} KB  {q}  ("
              + ", ".join(f"{k} {r[k] / 1024:.0f}" for k in kinds if r.get(k)) + f"; {r.get('fragments', 0)} fragments, "
              f"{r.get('chunks', 0)} chunks, {r.get('terms files', 0)} term files, {r.get('cards files', 0)} card files; searched {'/'.join(r.get('searched', []))})")


def main():
    print(f"load before: {bench.load()}")
    live = build()
    install_js(live)
    queries = bench.judged_queries()
    parents = REPO / "tests/search/parents"
    for path in sorted(parents.glob("*.yaml")):
        data = bench.yaml.safe_load(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("queries"), list):
            queries += [q["q"] for q in data["queries"] if isinstance(q, dict) and "q" in q]
    queries = list(dict.fromkeys(queries))
    if ARGS.limit:
        queries = queries[:ARGS.limit]
    results = {}
    layouts = ["shards", "merged"] if ARGS.layout == "both" else [ARGS.layout]
    if ARGS.replicate:
        layouts.append("replica")
    for layout in layouts:
        root = live
        if layout == "replica":
            root = replica(live, ARGS.replicate)
            install_js(root)
        if layout == "merged":
            root = BASE / "merged" / "site"
            if not (root / "pagefind" / "s0").exists():
                shutil.rmtree(root.parent, ignore_errors=True)
                files = sorted(searchable_files(live).values_list("path", flat=True))
                root, t_index = bench.merged_copy(live, files)
                if (live / "pagefind" / "words").exists():  # the word lists by first character
                    shutil.copytree(live / "pagefind" / "words", root / "pagefind" / "words")
                    site = json.loads((live / "pagefind" / "site.json").read_text())
                    (root / "pagefind" / "site.json").write_text(json.dumps(
                        {"shards": ["/pagefind/s0/"], "gone": [], "vocabulary": site["vocabulary"]}, ensure_ascii=False))
                print(f"merged index of {len(files)} pages built in {t_index:.0f} s; {peak_child()}")
            install_js(root)
        server = bench.Server(root)
        try:
            started = time.monotonic()
            results[layout] = measure(server.base, queries)
        finally:
            server.close()
        shards = len(json.loads((root / "pagefind" / "site.json").read_text())["shards"])
        lessons = ARGS.lessons * (ARGS.replicate if layout == "replica" else 1)
        summary(f"{layout} ({shards} Pagefind index{'es' if shards > 1 else ''}, {lessons} lessons, "
                f"{time.monotonic() - started:.0f} s)", results[layout])
    if ARGS.json:
        Path(ARGS.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"load after: {bench.load()}")


if __name__ == "__main__":
    main()
