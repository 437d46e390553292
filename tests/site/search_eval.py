"""nDCG@5 of the parent site's search, run through the built site's own search code in a browser.

Usable from the tests and by hand:
    .venv/bin/python -m tests.site.search_eval SITE_DIR   (judged.yaml on a built demo site)
    .venv/bin/python -m tests.site.search_eval --parents [--verbose] [--heldout]
        (the parents' judged set, tests/search/parents: a small site of its items is built with
        the real page search markup (site/templates/_macros.html search_meta), the real Pagefind
        shard builder, first-screen files and site.json vocabulary (cms.publishing), and searched with the real
        search.js in chromium; prints the dev half's figures, and the held-out half's only with
        --heldout: it is measured once at the end of a change, never tuned on)
"""

import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
JUDGED = ROOT / "tests" / "search" / "judged.yaml"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def judged_queries():
    return yaml.safe_load(JUDGED.read_text(encoding="utf-8"))["queries"]


def ndcg_at(results, relevant, k=5):
    if not relevant:
        return 1.0 if not results else 0.0
    dcg = sum(relevant.get(url, 0) / math.log2(i + 2) for i, url in enumerate(results[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    return dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal))


def evaluate(page, base_url, queries=None):
    """Run every judged query with ``window.gongyuSearch`` on the search page."""
    page.goto(base_url + "/search/")
    page.wait_for_function("typeof window.gongyuSearch === 'function'")
    rows = []
    for item in queries if queries is not None else judged_queries():
        out = page.evaluate("q => window.gongyuSearch(q)", item["q"])
        relevant = item.get("relevant") or {}
        rows.append({"q": item["q"], "type": item.get("type", ""), "terms": out["terms"], "urls": out["urls"],
                     "closest": not out.get("complete", True),
                     "ndcg": ndcg_at(out["urls"], relevant), "relevant": relevant})
    return rows


def report(rows):
    lines = [f"{r['ndcg']:.2f}  {r['type']:<8} {r['q']}  词:{'/'.join(r['terms'])}  前5:{' '.join(r['urls'][:5])}"
             for r in rows]
    mean = sum(r["ndcg"] for r in rows) / len(rows)
    lines.append(f"nDCG@5 = {mean:.3f} over {len(rows)} queries")
    return mean, "\n".join(lines)


# --- the parents' judged set on a small site of its own ------------------------------------------

SEARCH_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>搜索</title></head><body>
<form id="gy-search-form"><input id="gy-search-q" name="k" type="search"><button type="submit">搜索</button>
<button type="button" id="gy-filter-open">筛选</button><fieldset id="gy-filters" hidden></fieldset></form>
<p id="gy-search-status" role="status"></p><ol id="gy-results"></ol>
<script src="/search.js" defer></script></body></html>"""


def build_search_site(root: Path, pages, first_screen=True):
    """A small site searched as the parent site is: each page of ``pages`` — (path under ``root``,
    kind, title, taxonomy, summary, body) — written with the real page search markup
    (site/templates/_macros.html search_meta), the search page and the real search.js, indexed into
    one Pagefind shard by the real shard builder, with first-screen files (unless ``first_screen``
    is false: the site's Pagefind path) and site.json vocabulary (cms.publishing)."""
    import jinja2

    from cms.publishing import firstscreen
    from cms.publishing.searchindex import index_shards, write_site_json
    from cms.publishing.vocabulary import Vocabulary

    vocabulary = Vocabulary()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT / "site" / "templates")), autoescape=True)
    env.globals.update(terms=vocabulary.hidden_terms)
    macros = env.get_template("_macros.html").module
    template = env.from_string(
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>'
        '<div data-pagefind-body><h1>{{ title }}</h1>{{ meta }}{% if summary %}<p class="gy-lead">{{ summary }}</p>{% endif %}'
        '<p>{{ body }}</p></div></body></html>')
    files, titles = [], []
    for rel, kind, title, taxa, summary, body in pages:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.render(title=title, meta=macros.search_meta(kind, title, taxa, summary),
                                          summary=summary, body=body), encoding="utf-8")
        files.append(rel)
        titles.append(title)
    (root / "search").mkdir(parents=True, exist_ok=True)
    (root / "search" / "index.html").write_text(SEARCH_PAGE, encoding="utf-8")
    shutil.copy(ROOT / "site" / "overrides" / "assets" / "javascripts" / "search.js", root / "search.js")
    index_shards(root, {0: files})
    words = dict(vocabulary.browser_vocabulary(titles))
    if first_screen:
        words["fs"] = firstscreen.update(root, None, {rel: n + 1 for n, rel in enumerate(files)}, full=True)
    write_site_json(root, [0], words, [])
    return root


def build_parents_site(root: Path):
    """The parents' items as pages with the site's search markup, indexed into one Pagefind shard."""
    from search.relevance import STAGE_NAMES, item_url, parents_items

    kinds = {"micro_lesson": "micro", "course": "course", "lesson": "lesson"}
    pages = []
    for item in parents_items():
        taxa = {"stages": [{"code": s, "name": STAGE_NAMES[s]} for s in item.get("stages", [])], "themes": [], "problems": []}
        pages.append((item_url(item["id"]).strip("/") + "/index.html", kinds[item["kind"]], item["title"], taxa,
                      item.get("summary", ""), item.get("body", "")))
    return build_search_site(root, pages)


def evaluate_parents_site(page, base_url, halves=("dev", "heldout")):
    """{half: (figures, rows)} for the parents' set on a built parents site."""
    from search.relevance import measure, parents_queries

    out = {}
    for half in halves:
        queries = parents_queries(half)
        rows = evaluate(page, base_url, queries)
        ranked = {r["q"]: r["urls"] for r in rows}
        out[half] = measure(ranked, queries, {r["q"] for r in rows if r["closest"]})
    return out


def main(argv):
    from playwright.sync_api import sync_playwright

    from tests.site.conftest import serve

    if argv and argv[0] == "--parents":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
        import django

        django.setup()
        with tempfile.TemporaryDirectory() as tmp:
            root = build_parents_site(Path(tmp) / "site")
            with serve(root) as url, sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                # The held-out half only when asked for (it is measured once, never tuned on).
                halves = ("dev", "heldout") if "--heldout" in argv else ("dev",)
                results = evaluate_parents_site(browser.new_page(), url, halves)
                browser.close()
        for half, (figures, rows) in results.items():
            print(f"site {half}: {json.dumps(figures, ensure_ascii=False)}")
            if "--verbose" in argv:
                for r in rows:
                    print(f"  {r['ndcg5']:.2f} {r['recall10']:.2f} {r['type']:<10} {r['q']} -> "
                          + " ".join(u[6:-1] for u in r["ranked"][:6]))
        return
    with serve(Path(argv[0])) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        mean, text = report(evaluate(browser.new_page(), url))
        browser.close()
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
