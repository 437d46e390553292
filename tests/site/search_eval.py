"""nDCG@5 of the parent site's search, run through the built site's own search code in a browser.

Usable from the tests and by hand:
    .venv/bin/python -m tests.site.search_eval SITE_DIR   (prints one line per query and the mean)
"""

import math
import sys
from pathlib import Path

import yaml

JUDGED = Path(__file__).resolve().parent.parent / "search" / "judged.yaml"
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


def evaluate(page, base_url):
    """Run every judged query with ``window.gongyuSearch`` on the search page."""
    page.goto(base_url + "/search/")
    page.wait_for_function("typeof window.gongyuSearch === 'function'")
    rows = []
    for item in judged_queries():
        out = page.evaluate("q => window.gongyuSearch(q)", item["q"])
        relevant = item.get("relevant") or {}
        rows.append({"q": item["q"], "type": item.get("type", ""), "terms": out["terms"], "urls": out["urls"],
                     "ndcg": ndcg_at(out["urls"], relevant), "relevant": relevant})
    return rows


def report(rows):
    lines = [f"{r['ndcg']:.2f}  {r['type']:<8} {r['q']}  词:{'/'.join(r['terms'])}  前5:{' '.join(r['urls'][:5])}"
             for r in rows]
    mean = sum(r["ndcg"] for r in rows) / len(rows)
    lines.append(f"nDCG@5 = {mean:.3f} over {len(rows)} queries")
    return mean, "\n".join(lines)


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    from tests.site.conftest import serve

    with serve(Path(sys.argv[1])) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        mean, text = report(evaluate(browser.new_page(), url))
        browser.close()
    print(text)
