#!/usr/bin/env bash
# Lighthouse (npm) with Debian's chromium on pages of the built parent site, mobile.
#
#   bench/lighthouse.sh [SITE_DIR] [PAGE_PATH...]
#
# SITE_DIR defaults to var/site (built by `manage.py publish_site`); PAGE_PATHs default to the
# first lesson found. The site is served on localhost with gzip (bench/serve_site.py), as any
# production host would. Prints the four category scores and the bytes transferred (HTML+CSS+JS,
# then everything incl. thumbnails). Goals (issue 15): performance ≥ 98, accessibility 100,
# best practices 100, SEO 100; a lesson ≤ 150 KB HTML+CSS+JS, ≤ 250 KB with thumbnails.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
ROOT=$PWD
SITE=${1:-$ROOT/var/site}
TOOLS=${GONGYU_BENCH_TOOLS:-$ROOT/var/bench-tools}
PORT=${GONGYU_LIGHTHOUSE_PORT:-8765}
[ -f "$SITE/index.html" ] || { echo "没有找到已构建的家长网站:$SITE(先运行 manage.py publish_site)" >&2; exit 1; }
shift || true
PAGES=("$@")
[ ${#PAGES[@]} -gt 0 ] || PAGES=("$(cd "$SITE" && find studios -mindepth 4 -maxdepth 4 -name index.html | sort | head -1 | sed 's|index.html$||')")

if [ ! -x "$TOOLS/node_modules/.bin/lighthouse" ]; then
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error lighthouse@12 >/dev/null
fi

"$ROOT/.venv/bin/python" bench/serve_site.py "$SITE" "$PORT" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done

for PAGE in "${PAGES[@]}"; do
PAGE=/${PAGE#/}
REPORT=$(mktemp --suffix=.json)
CHROME_PATH=/usr/bin/chromium "$TOOLS/node_modules/.bin/lighthouse" "http://127.0.0.1:$PORT$PAGE" \
    --quiet --form-factor=mobile --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" \
    --output=json --output-path="$REPORT"

"$ROOT/.venv/bin/python" - "$REPORT" "$PAGE" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
cats = report["categories"]
items = report["audits"]["resource-summary"]["details"]["items"]
size = {i["resourceType"]: i["transferSize"] for i in items}
page_bytes = size.get("document", 0) + size.get("stylesheet", 0) + size.get("script", 0)
print(f"Lighthouse (mobile) {sys.argv[2]}")
print(f"  performance   {cats['performance']['score'] * 100:.0f}   (goal ≥ 98)")
print(f"  accessibility {cats['accessibility']['score'] * 100:.0f}   (goal 100)")
print(f"  best practices {cats['best-practices']['score'] * 100:.0f}  (goal 100)")
print(f"  SEO           {cats['seo']['score'] * 100:.0f}   (goal 100)")
print(f"  HTML+CSS+JS transferred {page_bytes / 1024:.1f} KB (document {size.get('document', 0) / 1024:.1f}, "
      f"css {size.get('stylesheet', 0) / 1024:.1f}, js {size.get('script', 0) / 1024:.1f}, images {size.get('image', 0) / 1024:.1f}; all {size.get('total', 0) / 1024:.1f} KB)  (goal ≤ 150 KB)")
for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"):
    print(f"  {report['audits'][key]['title']}: {report['audits'][key]['displayValue']}")
for audit_id in [r["id"] for c in ("accessibility", "best-practices", "seo") for r in report["categories"][c]["auditRefs"]]:
    audit = report["audits"][audit_id]
    if audit.get("score") is not None and audit["score"] < 1:
        nodes = [i.get("node", {}).get("snippet", "")[:100] for i in (audit.get("details") or {}).get("items", [])[:4]]
        print(f"  not passed: {audit['title']}: {' | '.join(nodes)}")
PY
rm -f "$REPORT"
done
