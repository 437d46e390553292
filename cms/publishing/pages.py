"""Every file of the parent site that comes from the catalogue: what it shows (its *inputs*, a
JSON-able dict that is also its fingerprint) and how it is rendered (Jinja templates in
``site/templates`` with autoescaping, wrapped in the mkdocs-material shell).

A page is regenerated only when its fingerprint changes: its own live revision, or anything it
lists (children, parents, shelves, related pages, linked micro-lessons, videos) or the theme.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import jinja2
from django.conf import settings
from markupsafe import escape

from cms.core.vocabulary import LABELS, SEARCHABLE

from .images import Pictures, jpeg_url, picture
from .sitemodel import Node, SiteModel

SITE_DIR = Path(settings.BASE_DIR) / "site"
STEP_LABELS = {
    "video_intro": "视频导入", "discussion": "现场研讨", "summary": "问题总结",
    "homework": "作业巩固", "extension": "微课延伸",
}
KIND_LABELS = {name: label for name, label in LABELS.items() if name in SEARCHABLE}   # from the one vocabulary


@dataclasses.dataclass
class Output:
    path: str              # file path relative to the site root, e.g. "studios/x/index.html"
    kind: str
    inputs: dict
    node: Node | None = None
    shard: int | None = None   # Pagefind shard for searchable pages

    @property
    def page_id(self):
        return self.node.id if self.node else None


def fingerprint(data) -> str:
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def page_file(url: str) -> str:
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def crumbs(model: SiteModel, node: Node):
    return [{"title": a.title, "url": a.url} for a in model.ancestors(node)]


def taxa(model, node):
    return {
        "stages": [{"code": model.stages[i].code, "name": model.stages[i].name} for i in node.stages if i in model.stages],
        "themes": [{"code": model.themes[i].code, "name": model.themes[i].name} for i in node.themes if i in model.themes],
        "problems": [{"code": model.problems[i].code, "title": model.problems[i].title} for i in node.problems
                     if i in model.problems],
    }


def shard_of(node: Node, shards: int) -> int:
    return int(hashlib.md5(str(node.id).encode()).hexdigest(), 16) % shards


class Cards:
    """A listing's view of a page: the site model's card plus picture, 学段 and duration (all of
    it in the listing's fingerprint, so a new cover re-renders exactly the pages that show it)."""

    def __init__(self, model: SiteModel, pictures: Pictures):
        self.model = model
        self.pictures = pictures

    def __call__(self, node: Node) -> dict:
        model = self.model
        shelved = model.nodes.get(node.parent_id) if node.kind == "lesson" else node
        card = node.card() | {
            "image": self.pictures.digest(node.id),
            "stages": [model.stages[i].name for i in (shelved.stages if shelved else ()) if i in model.stages],
        }
        if node.kind in ("lesson", "micro") and self.pictures.durations.get(node.id):
            card["duration"] = round(self.pictures.durations[node.id])
        if node.kind == "course":
            card["lessons"] = len(model.children(node, "lesson"))
        return card


def plan(model: SiteModel, shards: int) -> list[Output]:
    """Every catalogue output with its inputs (cheap: no page bodies are loaded)."""
    outputs = []
    if model.home is None or model.home.id not in model.nodes:
        return outputs
    model.pictures = Pictures(model)
    card = Cards(model, model.pictures)
    home = model.nodes[model.home.id]
    studios = model.of_kind("studio")
    outputs.append(Output("index.html", "home", {
        "node": card(home) | {"version": home.version},
        "studios": [card(s) for s in sorted(studios, key=lambda n: n.tree_path)],
        "stages": [{"code": s.code, "name": s.name, "count": len(model.by_taxon.get(("stage", s.id), ()))}
                   for s in model.stages.values()],
        "themes": [{"code": t.code, "name": t.name, "count": len(model.by_taxon.get(("theme", t.id), ()))}
                   for t in model.themes.values()],
        "problems": sorted(
            ({"code": p.code, "title": p.title, "count": len(model.by_taxon.get(("problem", p.id), ()))}
             for p in model.problems.values() if model.by_taxon.get(("problem", p.id))),
            key=lambda p: (-p["count"], p["code"]))[:12],
        "newest_courses": [card(n) for n in model.newest("course")],
        "newest_micro": [card(n) for n in model.newest("micro")],
    }, home))
    # Shelf index pages and one page per shelf.
    for name, label, taxon_map, title_of in (
        ("stage", "学段", model.stages, lambda t: t.name),
        ("theme", "主题", model.themes, lambda t: t.name),
        ("problem", "问题", model.problems, lambda t: t.title),
    ):
        entries = []
        for taxon in taxon_map.values():
            items = model.by_taxon.get((name, taxon.id), [])
            code = taxon.code.lower()
            entry = {"code": code, "title": title_of(taxon), "count": len(items),
                     "description": getattr(taxon, "description", ""),
                     "group": model.themes[taxon.theme_id].name if name == "problem" and taxon.theme_id in model.themes else ""}
            entries.append(entry)
            outputs.append(Output(f"shelves/{name}/{code}/index.html", "shelf", {
                "shelf": name, "label": label, "entry": entry,
                "courses": [card(n) for n in items if n.kind == "course"],
                "micro": [card(n) for n in items if n.kind == "micro"],
            }))
        outputs.append(Output(f"shelves/{name}s/index.html", "shelves", {"shelf": name, "label": label, "entries": entries}))
    for node in model.nodes.values():
        if node.kind == "home":
            continue
        inputs = {"node": card(node) | {"version": node.version, "description": node.description},
                  "crumbs": crumbs(model, node)}
        if node.kind == "topics":
            inputs["topics"] = topics_data()
            inputs["topic_stages"] = [s.name for s in model.stages.values()]
        elif node.kind == "studios":
            inputs["studios"] = [card(model.nodes[c]) for c in node.children]
        elif node.kind == "studio":
            inputs["courses"] = [card(c) for c in model.children(node, "course")]
            inputs["micro"] = [card(c) for c in model.children(node, "micro")]
        elif node.kind in ("course", "micro"):
            inputs["taxa"] = taxa(model, node)
            inputs["related"] = [card(r) for r in model.related(node)]
            if node.kind == "course":
                inputs["lessons"] = [card(c) for c in model.children(node, "lesson")]
        elif node.kind == "lesson":
            course = model.nodes[node.parent_id]
            siblings = model.children(course, "lesson")
            position = next(i for i, s in enumerate(siblings) if s.id == node.id)
            inputs["course"] = card(course)
            inputs["taxa"] = taxa(model, course)
            inputs["position"] = [position + 1, len(siblings)]
            inputs["prev"] = card(siblings[position - 1]) if position > 0 else None
            inputs["next"] = card(siblings[position + 1]) if position + 1 < len(siblings) else None
            inputs["related"] = [card(r) for r in model.related(course) if r.kind == "micro"][:4]
        searchable = node.kind in ("course", "lesson", "micro", "studio")
        outputs.append(Output(page_file(node.url), node.kind, inputs, node,
                              shard_of(node, shards) if searchable else None))
        if node.kind in ("course", "lesson"):
            outputs.append(Output(node.url.strip("/") + "/qr.svg", "qr", {"url": node.url}, node))
    from engagement.site import extend_plan  # 本周家长课, school links and QR sheets, privacy notice
    extend_plan(model, outputs, Output)
    outputs.append(Output("search/index.html", "search", {}))
    outputs.append(Output("offline/index.html", "offline", {}))
    outputs.append(Output("downloads/index.html", "downloads", {}))
    outputs.append(Output("404.html", "notfound", {}))
    return outputs


def topics_data():
    from cms.topics.models import ResearchTopic, TopicClaim

    topics = []
    for topic in ResearchTopic.objects.prefetch_related("claims__school", "problems__theme", "problems__stages"):
        claims = [c for c in topic.claims.all() if c.status != TopicClaim.Status.WITHDRAWN]
        statuses = {c.status for c in claims}
        state = ("concluded" if TopicClaim.Status.CONCLUDED in statuses else
                 "researching" if TopicClaim.Status.RESEARCHING in statuses else
                 "open" if topic.is_open and len(claims) < topic.max_claims else "full")
        # A topic is for the 学段 of its problems (as the school's claim page offers it); none = all.
        stages = sorted({(s.sort_order, s.pk, s.name) for p in topic.problems.all() for s in p.stages.all()})
        topics.append({
            "themes": sorted({p.theme.name for p in topic.problems.all() if p.theme_id}), "state": state,
            "stages": [name for _, _, name in stages],
            "code": topic.code, "title": topic.title, "description": topic.description,
            "is_open": topic.is_open, "places_left": max(topic.max_claims - len(claims), 0),
            # Only the school, the status and the date are public; reports stay in the admin.
            "claims": [{"school": c.school.name, "status": c.get_status_display(), "claimed_on": c.claimed_on.isoformat()}
                       for c in claims],
        })
    return topics


def duration_text(seconds) -> str:
    seconds = int(round(seconds or 0))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分钟" if rest < 10 else f"{minutes} 分 {rest} 秒"


def filesize_text(size) -> str:
    size = int(size or 0)
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def untag(title, label) -> str:
    """A case titled 案例:X is shown under the label 案例 once, not 案例:案例:X."""
    title = str(title).strip()
    for sep in (":", "\uff1a", " ", "\u00b7", "\u3001"):
        if title.startswith(label + sep):
            return title[len(label) + len(sep):].strip()
    return title


class Renderer:
    """Renders outputs; ``page`` is the page's specific object (its live content)."""

    def __init__(self, shell, vocabulary, base_url=None):
        self.shell = shell
        self.vocabulary = vocabulary
        self.base_url = (base_url or settings.PARENT_SITE_URL).rstrip("/")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(SITE_DIR / "templates")),
            autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        )
        self.env.globals["engagement_url"] = settings.GONGYU_ENGAGEMENT_URL   # engagement.js endpoint
        self.env.globals["wechat_signature_url"] = settings.GONGYU_WECHAT_SIGNATURE_URL   # JS-SDK share card (off: "")
        self.env.globals.update(step_labels=STEP_LABELS, kind_labels=KIND_LABELS, terms=vocabulary.hidden_terms,
                                picture_of=picture)
        self.env.filters.update(duration=duration_text, filesize=filesize_text, untag=untag)

    def render(self, output: Output, page=None, videos=None, live_ids=None) -> bytes:
        """The file's bytes. ``videos``: {asset id: player info or None}; ``live_ids``: {page id:
        card} of pages that may be linked (live and public)."""
        if output.kind == "qr":
            from .qr import qr_svg

            return qr_svg(self.base_url + output.inputs["url"]).encode()
        videos = videos or {}
        content = self.content(output, page, videos, live_ids)
        title = self._title(output)
        description = self._description(output, page)
        og_image = self.base_url + "/assets/images/og.png"
        poster = next((v["poster"] for v in videos.values() if v and v.get("poster")), None)
        digest = (output.inputs.get("node") or {}).get("image")
        if digest:  # the page's own picture (cover or poster thumbnail), as JPEG for every crawler
            og_image = self.base_url + jpeg_url(digest)
        elif poster:
            og_image = self.base_url + poster
        url = "/" + output.path.removesuffix("index.html")
        head = self.env.get_template("_head.html").render(
            title=title, description=description, url=self.base_url + url, og_image=og_image,
            kind=output.kind)
        scripts = self.env.get_template("_scripts.html").render(
            has_video=any(videos.values()), kind=output.kind, assets=self.shell.assets)
        breadcrumbs = self.env.get_template("_breadcrumbs.html").render(crumbs=output.inputs.get("crumbs", []))
        html = self.shell.fill({
            "TITLE": escape(title), "DESCRIPTION": escape(description), "HEAD": head,
            "BREADCRUMBS": breadcrumbs, "CONTENT": content, "SCRIPTS": scripts,
        })
        return html.encode()

    def content(self, output: Output, page=None, videos=None, live_ids=None) -> str:
        """The page's own HTML fragment (what goes inside the shell's article)."""
        context = dict(output.inputs, page=page, kind=output.kind, videos=videos or {},
                       live_ids=live_ids or {}, terms=self.vocabulary.hidden_terms)
        return self.env.get_template(f"{output.kind}.html").render(context)

    def title(self, output):
        return self._title(output)

    def description(self, output, page=None):
        return self._description(output, page)

    @staticmethod
    def body_links(kind, page):
        """Pages and videos a page's own content points at: {"pages": [ids], "videos": [ids]}."""
        links = {"pages": [], "videos": []}
        if page is None:
            return links, {}
        assets = {}
        if kind == "lesson":
            for step in page.body:
                if step.block_type == "video_intro" and step.value.get("video"):
                    assets[step.value["video"].id] = step.value["video"]
                elif step.block_type == "extension":
                    links["pages"].extend(m.id for m in step.value.get("micro_lessons", []) if m)
        elif kind == "micro" and page.video_id:
            assets[page.video_id] = page.video
        links["videos"] = sorted(assets)
        return links, assets

    @staticmethod
    def _title(output):
        if output.kind == "shelf":
            return f"{output.inputs['label']} · {output.inputs['entry']['title']}"
        if output.kind == "shelves":
            return f"按{output.inputs['label']}找课"
        if output.kind == "search":
            return "搜索"
        if output.kind == "notfound":
            return "页面不存在"
        if output.kind == "offline":
            return "现在没有网络"
        if output.kind == "downloads":
            return "我的下载"
        return output.inputs["node"]["title"]

    @staticmethod
    def _description(output, page):
        node = output.inputs.get("node") or {}
        text = node.get("description") or node.get("summary") or ""
        if not text and output.kind == "shelf":
            text = output.inputs["entry"].get("description") or ""
        text = " ".join(str(text).split())
        return (text[:117] + "…") if len(text) > 120 else (text or settings.WAGTAIL_SITE_NAME)
