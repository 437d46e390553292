"""What the public may see: every live, public, unexpired page whose ancestors are live too,
with the few fields listings need, loaded in a handful of queries (no StreamField bodies).

Everything the static site shows besides a page's own body comes from this model, so it is also
what a page's fingerprint is made of (see ``pages.py``).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections import defaultdict
from functools import cached_property
from pathlib import Path

from wagtail.models import Page

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioPage, SupermarketPage
from cms.core import vocabulary
from cms.taxonomy.models import Problem, Stage, Theme


@dataclasses.dataclass
class Node:
    id: int
    kind: str
    tree_path: str
    url: str
    title: str
    description: str
    version: str
    parent_id: int | None
    summary: str = ""
    stages: tuple = ()
    themes: tuple = ()
    problems: tuple = ()
    children: list = dataclasses.field(default_factory=list)
    published_at: str = ""

    def card(self):
        """What a listing shows of this page (and so what the listing's fingerprint depends on)."""
        return {"id": self.id, "kind": self.kind, "url": self.url, "title": self.title, "summary": self.summary}


def _shape():
    """What a kept model's objects hold (a snapshot saved by code with other fields is not used)."""
    from .images import Pictures

    return ([f.name for f in dataclasses.fields(Node)], sorted(vars(Pictures(None, load=False))))


def model_kind(model) -> str:
    return {CoursePage: "course", MicroLessonPage: "micro"}[model]


# The model the last publish of this process saved (the task worker publishes edit after edit): the
# next edit takes it instead of reading the file back — at 100,000 lessons, unpickling the model
# was most of an edit's time. Used only when its stamp is the one the next publish asks for, so a
# publish by another process (a new stamp) makes it read that process's file.
_RESIDENT: dict[str, dict] = {}


class SiteModel:
    def __init__(self, home=None):
        self.home = home or SupermarketPage.objects.first()
        self.nodes: dict[int, Node] = {}
        if self.home is not None:
            self._load()

    def _rows(self, pages=None):
        # "Public" as cms.core.vocabulary defines it: live, unrestricted (Wagtail's public() looks
        # at ancestors too), unexpired; a page whose parent is not public is dropped by the caller.
        pages_qs = Page.objects.filter(path__startswith=self.home.path)
        if pages is not None:
            pages_qs = pages_qs.filter(pk__in=sorted(pages))
        return (
            vocabulary.visible_to_public(pages_qs)
            .order_by("path")
            .values("id", "path", "depth", "url_path", "title", "seo_title", "search_description",
                    "content_type_id", "live_revision_id", "last_published_at")
        )

    def _node(self, row, kind, parent):
        prefix = self.home.url_path[:-1]
        return Node(
            id=row["id"], kind=kind, tree_path=row["path"],
            url=row["url_path"][len(prefix):] or "/",
            title=row["title"], description=row["search_description"] or "",
            version=f"{row['live_revision_id']}:{row['last_published_at'] and row['last_published_at'].isoformat()}",
            parent_id=parent.id if parent else None,
            published_at=row["last_published_at"].isoformat() if row["last_published_at"] else "",
        )

    def _load(self):
        kind_by_ct = {ct: kind.name for ct, kind in vocabulary.kind_by_content_type().items()}
        by_path = {}
        for row in self._rows():
            kind = kind_by_ct.get(row["content_type_id"])
            parent_path = row["path"][: -Page.steplen]
            parent = by_path.get(parent_path)
            if kind is None or (row["id"] != self.home.id and parent is None):
                continue  # unknown type, or an ancestor is not public: the whole branch stays out
            node = self._node(row, kind, parent)
            by_path[row["path"]] = node
            self.nodes[node.id] = node
            if parent:
                parent.children.append(node.id)
        self._load_fields()

    def _load_fields(self, only=None):
        # Whole tables, filtered here: an IN list of every public page id is slower than the rows.
        # ``only``: the fields of these pages (ids) alone (an edit, see ``refresh``).
        nodes = self.nodes

        def some(queryset, field="pk"):
            return queryset if only is None else queryset.filter(**{f"{field}__in": sorted(only)})

        for model, field in ((CoursePage, "summary"), (MicroLessonPage, "summary"), (LessonPage, "summary"),
                             (StudioPage, "introduction")):
            for pk, text in some(model.objects.values_list("pk", field).order_by()):
                if pk in nodes:
                    nodes[pk].summary = text or ""
        self.stages = {s.id: s for s in Stage.objects.all()}
        self.themes = {t.id: t for t in Theme.objects.all()}
        self.problems = {p.id: p for p in Problem.objects.all()}
        for model in (CoursePage, MicroLessonPage):
            for attr in ("stages", "themes", "problems"):
                through = getattr(model, attr).through
                source = f"{model._meta.model_name}_id"
                target = {"stages": "stage_id", "themes": "theme_id", "problems": "problem_id"}[attr]
                pairs = defaultdict(list)
                for pk, other in some(through.objects.values_list(source, target).order_by(), source):
                    if pk in nodes:
                        pairs[pk].append(other)
                if only is not None:
                    for pk in only:
                        if pk in nodes and nodes[pk].kind == model_kind(model):
                            setattr(nodes[pk], attr, ())
                for pk, others in pairs.items():
                    setattr(nodes[pk], attr, tuple(sorted(others)))

    # -- an edit: the last publish's model, with only the named pages read again ------------------
    def save(self, path: Path, stamp: str):
        """Keep this model (and its pictures) for the next publish that names its pages: in a file
        for any process, and in this one (``_RESIDENT``) for the next publish here."""
        data = {"stamp": stamp, "shape": _shape(), "home": self.home.pk, "nodes": self.nodes,
                "pictures": getattr(self, "pictures", None)}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _RESIDENT.clear()
        _RESIDENT[str(path)] = data

    @staticmethod
    def forget():
        """Let go of the model kept in this process (a publish that loads the model whole)."""
        _RESIDENT.clear()

    @classmethod
    def kept(cls, path: Path, stamp: str, pages) -> SiteModel | None:
        """The model the last publish saved (``save``), with the rows of ``pages`` read again —
        the change feed's promise for a publish that names its pages: nothing else changed since
        (any other change makes the queued publish compare everything, which loads the model
        whole). None when there is no such model, it belongs to another publish (``stamp``), or
        a named page is new, gone, moved or of another kind: then the caller loads it whole."""
        data = _RESIDENT.pop(str(path), None)   # taken: a publish that fails leaves nothing half-changed
        if data is None or data["stamp"] != stamp:
            try:
                with open(path, "rb") as handle:
                    data = pickle.load(handle)
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
                return None
        if data.get("stamp") != stamp or data.get("shape") != _shape() or data.get("pictures") is None:
            return None   # another publish's, or saved by another version of this code
        model = cls.__new__(cls)
        model.home = SupermarketPage.objects.filter(pk=data["home"]).first()
        model.nodes = data["nodes"]
        if model.home is None or model.home.id not in model.nodes or not model.refresh(pages):
            return None
        model.pictures = data["pictures"]
        model.pictures.model = model
        model.pictures.refresh(pages)
        return model

    def refresh(self, pages) -> bool:
        kind_by_ct = {ct: kind.name for ct, kind in vocabulary.kind_by_content_type().items()}
        rows = {row["id"]: row for row in self._rows(pages)}
        for pk in pages:
            node, row = self.nodes.get(pk), rows.get(pk)
            if node is None or row is None or node.parent_id is None:
                return False
            new = self._node(row, kind_by_ct.get(row["content_type_id"]), self.nodes[node.parent_id])
            if (new.kind, new.tree_path, new.url) != (node.kind, node.tree_path, node.url):
                return False
            node.title, node.description = new.title, new.description
            node.version, node.published_at = new.version, new.published_at
        self._load_fields(set(pages))
        return True

    # -- queries used by the page renderers -------------------------------------------------
    def of_kind(self, kind):
        return [n for n in self.nodes.values() if n.kind == kind]

    def get(self, pk):
        return self.nodes.get(pk)

    def children(self, node, kind=None):
        return [self.nodes[c] for c in node.children if kind is None or self.nodes[c].kind == kind]

    def ancestors(self, node):
        chain = []
        while node.parent_id is not None:
            node = self.nodes[node.parent_id]
            chain.append(node)
        return list(reversed(chain))

    @cached_property
    def shelved(self):
        return [n for n in self.nodes.values() if n.kind in vocabulary.SHELVED]

    @cached_property
    def by_taxon(self):
        """{("stage"|"theme"|"problem", id): [shelved nodes]} in tree order."""
        index = defaultdict(list)
        for node in sorted(self.shelved, key=lambda n: n.tree_path):
            for attr, name in (("stages", "stage"), ("themes", "theme"), ("problems", "problem")):
                for taxon_id in getattr(node, attr):
                    index[(name, taxon_id)].append(node)
        return index

    def related(self, node, limit=6):
        """Shelved pages sharing a problem with ``node`` (most shared problems first)."""
        problems = set(node.problems)
        if not problems:
            return []
        scores = defaultdict(int)
        for problem_id in problems:
            for other in self.by_taxon.get(("problem", problem_id), ()):
                if other.id != node.id:
                    scores[other.id] += 1
        ranked = sorted(scores, key=lambda pk: (-scores[pk], self.nodes[pk].tree_path))
        return [self.nodes[pk] for pk in ranked[:limit]]

    def newest(self, kind, limit=6):
        return sorted(self.of_kind(kind), key=lambda n: (n.published_at, n.id), reverse=True)[:limit]
