"""Planning: every file of the parent site that comes from the catalogue and what it shows (its
*inputs*, a JSON-able dict that is also its fingerprint). Rendering an output is ``render.py``.

A page is regenerated only when its fingerprint changes: its own live revision, or anything it
lists (children, parents, shelves, related pages, linked micro-lessons, videos) or the theme.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings

from cms.core.vocabulary import LABELS, SEARCHABLE

from .images import Pictures
from .sitemodel import Node, SiteModel

SITE_DIR = Path(settings.BASE_DIR) / "site"
STEP_LABELS = {
    "video_intro": "视频导入", "discussion": "现场研讨", "summary": "问题总结",
    "homework": "作业巩固", "extension": "微课延伸",
}
KIND_LABELS = {name: label for name, label in LABELS.items() if name in SEARCHABLE}   # from the one vocabulary


class Output:
    """A file of the site: ``path`` relative to the site root ("studios/x/index.html"), its kind,
    its inputs (what it shows, a JSON-able dict), its page and, for a searchable page, its
    Pagefind shard. A catalogue page's inputs are made when first read (``make``) and let go by
    ``drop()`` once the file is rendered or compared, so a plan of every file at province scale
    holds paths and pages, not every listing's cards."""

    __slots__ = ("path", "kind", "_inputs", "_make", "node", "shard")

    def __init__(self, path: str, kind: str, inputs: dict | None = None, node: Node | None = None,
                 shard: int | None = None, make=None):
        self.path, self.kind, self.node, self.shard = path, kind, node, shard
        self._inputs, self._make = inputs, make

    @property
    def inputs(self) -> dict:
        if self._inputs is None and self._make is not None:
            self._inputs = self._make()
        return self._inputs

    def drop(self):
        """Let go of inputs that can be made again."""
        if self._make is not None:
            self._inputs = None

    @property
    def page_id(self):
        return self.node.id if self.node else None

    def __repr__(self):
        return f"Output({self.path!r}, {self.kind!r})"


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


def own_paths(node: Node) -> list[str]:
    """The files a page has of its own: its page and, for courses and lessons, its QR code."""
    paths = [page_file(node.url)]
    if node.kind in ("course", "lesson"):
        paths.append(node.url.strip("/") + "/qr.svg")
    return paths


def plan(model: SiteModel, shards: int, only: set[str] | None = None) -> list[Output]:
    """Every catalogue output with its inputs (cheap: no page bodies are loaded). ``only``: plan
    just these paths (an edit's affected files, from the dependency index) and 本周家长课."""
    want = (lambda path: True) if only is None else only.__contains__
    outputs = []
    if model.home is None or model.home.id not in model.nodes:
        return outputs
    if getattr(model, "pictures", None) is None:   # an edit's kept model brings its own (sitemodel.kept)
        model.pictures = Pictures(model)
    card = Cards(model, model.pictures)
    if want("index.html"):
        outputs.append(_plan_home(model, card))
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
            if want(f"shelves/{name}/{code}/index.html"):
                outputs.append(Output(f"shelves/{name}/{code}/index.html", "shelf", {
                    "shelf": name, "label": label, "entry": entry,
                    "courses": [card(n) for n in items if n.kind == "course"],
                    "micro": [card(n) for n in items if n.kind == "micro"],
                }))
        if want(f"shelves/{name}s/index.html"):
            outputs.append(Output(f"shelves/{name}s/index.html", "shelves", {"shelf": name, "label": label, "entries": entries}))
    if only is None:
        nodes = [n for n in model.nodes.values() if n.kind != "home"]
    else:
        nodes = [n for n in model.nodes.values() if n.kind != "home" and any(p in only for p in own_paths(n))]
    for node in nodes:
        searchable = node.kind in ("course", "lesson", "micro", "studio")
        outputs.append(Output(page_file(node.url), node.kind, None, node, shard_of(node, shards) if searchable else None,
                              make=functools.partial(_node_inputs, model, card, node)))
        if node.kind in ("course", "lesson"):
            outputs.append(Output(node.url.strip("/") + "/qr.svg", "qr", {"url": node.url}, node))
    from engagement.site import extend_plan  # 本周家长课, school links and QR sheets, privacy notice
    extend_plan(model, outputs, Output)
    if only is not None:   # its school pages and QR codes show no catalogue page; 本周家长课 does
        outputs = [o for o in outputs if o.path in only or o.kind in ("home", "weekly") or o.node is not None]
    for path, kind in (("search/index.html", "search"), ("offline/index.html", "offline"),
                       ("downloads/index.html", "downloads"), ("404.html", "notfound")):
        if want(path):
            outputs.append(Output(path, kind, {}))
    return outputs


def _plan_home(model: SiteModel, card) -> Output:
    home = model.nodes[model.home.id]
    studios = model.of_kind("studio")
    return Output("index.html", "home", {
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
    }, home)


def _node_inputs(model: SiteModel, card, node: Node) -> dict:
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
    return inputs


def shown_pages(model: SiteModel, output: Output, links=None) -> set[int]:
    """The pages an output shows (for the dependency index): every card in its inputs, the
    ancestors in its breadcrumbs, the pages its body links to and the page itself."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            if "id" in value and "url" in value and isinstance(value["id"], int):
                found.add(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(output.inputs)
    if output.node is not None:
        found.add(output.node.id)
        found.update(a.id for a in model.ancestors(output.node))
    found.update((links or {}).get("pages", []))
    return found


def membership(model: SiteModel, node: Node) -> list:
    """Where a page is listed: its parent, place among its siblings, kind and 学段/主题/问题.
    When this changes, listings that did not show it before may show it now."""
    siblings = model.nodes[node.parent_id].children if node.parent_id in model.nodes else []
    return [node.parent_id, siblings.index(node.id) if node.id in siblings else -1, node.kind, node.url,
            list(node.stages), list(node.themes), list(node.problems)]


def taxon_paths(model: SiteModel, stages=(), themes=(), problems=()) -> set[str]:
    """The shelf pages of these 学段/主题/问题 ids, and the three shelf index pages (their counts)."""
    paths = {"shelves/stages/index.html", "shelves/themes/index.html", "shelves/problems/index.html"}
    for name, ids, taxon_map in (("stage", stages, model.stages), ("theme", themes, model.themes),
                                 ("problem", problems, model.problems)):
        paths.update(f"shelves/{name}/{taxon_map[i].code.lower()}/index.html" for i in ids if i in taxon_map)
    return paths


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
