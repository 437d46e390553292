"""Rendering the parent site's files: Jinja templates in ``site/templates`` with autoescaping,
wrapped in the mkdocs-material shell. What each file shows (its inputs) is planned in ``pages``;
this module only turns an ``Output`` (plus the page's live content) into bytes."""

from __future__ import annotations

import jinja2
from django.conf import settings
from markupsafe import escape

from .images import jpeg_url, picture
from .pages import KIND_LABELS, SITE_DIR, STEP_LABELS, Output


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
