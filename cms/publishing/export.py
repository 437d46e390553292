"""The public pages as mkdocs sources: one Markdown file per page with YAML front matter (title
and description quoted as JSON strings, so a title like ``---`` or ``{{ config }}`` is data) and
the page's escaped HTML fragment as its body. ``publish`` does not need this (it writes HTML
straight into the theme); it is what a plain ``mkdocs build`` would be given — the benchmark's
naive baseline — and a readable dump of what is public."""

from __future__ import annotations

import json
from pathlib import Path

from wagtail.models import Page

from .pages import plan
from .render import Renderer
from .searchindex import shard_count
from .shell import build_shell
from .sitemodel import SiteModel
from .videos import site_video
from .vocabulary import Vocabulary

SKIP = {"qr", "search", "notfound"}


def export_markdown(out_dir, cache_dir=None) -> int:
    out_dir = Path(out_dir)
    model = SiteModel()
    vocabulary = Vocabulary()
    shell = build_shell(Path(cache_dir or out_dir.parent / ".export-cache"))
    renderer = Renderer(shell, vocabulary)
    outputs = [o for o in plan(model, shard_count(len(model.nodes))) if o.kind not in SKIP]
    ids = [o.page_id for o in outputs if o.page_id]
    pages = {}
    for start in range(0, len(ids), 500):
        pages.update({p.pk: p for p in Page.objects.filter(pk__in=ids[start:start + 500]).specific()})
    cards = {pk: n.card() for pk, n in model.nodes.items()}
    for output in outputs:
        page = pages.get(output.page_id)
        _, assets = Renderer.body_links(output.kind, page)
        videos = {pk: site_video(a, out_dir, copy=False) for pk, a in assets.items()}
        html = renderer.content(output, page, videos, cards)
        # Raw HTML block: no blank line inside, so Markdown passes it through untouched.
        html = "\n".join(line for line in html.splitlines() if line.strip())
        front = {"title": renderer.title(output), "description": renderer.description(output, page)}
        text = "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in front.items()) + "---\n\n"
        text += f'<div class="gy-page" markdown="0">\n{html}\n</div>\n'
        path = out_dir / output.path.replace("index.html", "index.md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return len(outputs)
