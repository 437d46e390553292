"""``publish_site --verify`` and the worker's periodic check: compare what the database says is
public (``cms.core.vocabulary``, through the site model) with the live parent site and every
search index, repair any drift, and report in Chinese what was found and fixed.

What is compared:

- **Pages:** a public page without its file, a page file for a page that is no longer public, a
  page whose file does not show its current title.
- **Problem shelves** (``/shelves/problem/<code>/``): one per problem, showing its title and
  exactly the public courses and micro-lessons shelved under it (the cards' ``data-url``); a shelf
  file for a problem that no longer exists is extra.
- **Research topics** (the topic bank page): one section per topic with its title, its state
  badge and its number of claiming schools; a section for a deleted topic is extra.
- **Search entries, in every index that exists** (``search_backends()``): the configured one, the
  embedded index whenever it holds entries (a site that moved to Elasticsearch keeps it as its
  fallback) and Elasticsearch whenever a node is configured (``GONGYU_ELASTICSEARCH_URL``) and its
  index was built. Every entry that ``search.documents.all_entries()`` says belongs there (pages,
  problems, topics) is present with the same URL and displayed text, nothing else is. The change
  feed writes the configured index at once; another existing index is brought up to date here
  (within ``GONGYU_VERIFY_SECONDS``), so switching backends never serves stale results. An index
  that cannot be read (node down) is reported, not skipped silently.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from pathlib import Path

from django.conf import settings

from . import release as releases
from .models import PublishedFile

log = logging.getLogger("gongyu.publishing")

BACKEND_LABELS = {"embedded": "内置搜索索引", "elasticsearch": "Elasticsearch 索引"}


@dataclasses.dataclass
class IndexDrift:
    label: str
    missing: list = dataclasses.field(default_factory=list)  # entry ids
    extra: list = dataclasses.field(default_factory=list)
    stale: list = dataclasses.field(default_factory=list)    # present with an old URL or text
    error: str = ""                                           # could not be read (node down…)
    in_flight: list = dataclasses.field(default_factory=list)  # wrong entries an index task still has to write

    @property
    def total(self):
        return len(self.missing) + len(self.extra) + len(self.stale) + (1 if self.error else 0)


@dataclasses.dataclass
class Drift:
    site_missing: list = dataclasses.field(default_factory=list)   # URLs public in the database, not on the site
    site_extra: list = dataclasses.field(default_factory=list)     # URLs on the site, not public any more
    site_stale: list = dataclasses.field(default_factory=list)     # URLs whose file shows an old title
    shelf_missing: list = dataclasses.field(default_factory=list)  # problem codes
    shelf_stale: list = dataclasses.field(default_factory=list)    # old title or other pages on it
    shelf_extra: list = dataclasses.field(default_factory=list)
    topic_missing: list = dataclasses.field(default_factory=list)  # topic codes
    topic_stale: list = dataclasses.field(default_factory=list)
    topic_extra: list = dataclasses.field(default_factory=list)
    indexes: dict = dataclasses.field(default_factory=dict)        # backend name -> IndexDrift
    site_in_flight: bool = False   # a site publish was queued or running when the site was compared

    @property
    def site(self):
        return sum(len(items) for items in (self.site_missing, self.site_extra, self.site_stale, self.shelf_missing,
                                            self.shelf_stale, self.shelf_extra, self.topic_missing,
                                            self.topic_stale, self.topic_extra))

    @property
    def search(self):
        return sum(index.total for index in self.indexes.values())

    @property
    def total(self):
        return self.site + self.search

    @property
    def in_flight(self):
        """How much of the drift a queued or running task was still to write (the change feed was
        behind, not wrong); the rest had nothing left to fix it (a lost change: a bug or a hand edit)."""
        return (self.site if self.site_in_flight else 0) + sum(len(i.in_flight) for i in self.indexes.values())

    def in_flight_line(self):
        if not self.total:
            return ""
        return (f"其中 {self.in_flight} 处的更新当时仍在排队或执行中,"
                f"{self.total - self.in_flight} 处没有待办的更新(更新丢失或被直接改动)")

    def lines(self):
        groups = [("网站缺少的页面", self.site_missing), ("网站上多余的页面", self.site_extra),
                  ("网站上过期的页面", self.site_stale), ("网站缺少的问题书架", self.shelf_missing),
                  ("网站上过期的问题书架", self.shelf_stale), ("网站上多余的问题书架", self.shelf_extra),
                  ("课题库缺少的课题", self.topic_missing), ("课题库里过期的课题", self.topic_stale),
                  ("课题库里多余的课题", self.topic_extra)]
        out = []
        for index in self.indexes.values():
            groups += [(f"{index.label}缺少的条目", index.missing), (f"{index.label}中多余的条目", index.extra),
                       (f"{index.label}中过期的条目", index.stale)]
            if index.error:
                out.append(f"{index.label}无法核对:{index.error}")
        for label, items in groups:
            if items:
                shown = "、".join(items[:10]) + (f" 等 {len(items)} 个" if len(items) > 10 else "")
                out.append(f"{label}:{shown}")
        return out


def _shows(text, value):
    from markupsafe import escape

    return any(form in text for form in (str(escape(value)), html.escape(value, quote=False), html.escape(value)))


def _read(file):
    return file.read_text(encoding="utf-8", errors="replace") if file is not None and file.exists() else None


CARD_URL = re.compile(r'data-url="([^"]*)"')
TOPIC_SECTION = re.compile(r'<section class="gy-topic" id="([^"]*)"')


def _shelf_drift(drift, model, live):
    for problem in model.problems.values():
        code = problem.code.lower()
        text = _read(live / "shelves" / "problem" / code / "index.html" if live else None)
        if text is None:
            drift.shelf_missing.append(problem.code)
            continue
        shelved = {html.unescape(u) for u in CARD_URL.findall(text)}
        expected = {n.url for n in model.by_taxon.get(("problem", problem.id), []) if n.kind in ("course", "micro")}
        if not _shows(text, problem.title) or shelved != expected:
            drift.shelf_stale.append(problem.code)
    if live and (live / "shelves" / "problem").is_dir():
        codes = {p.code.lower() for p in model.problems.values()}
        drift.shelf_extra += sorted(d.name for d in (live / "shelves" / "problem").iterdir()
                                    if d.is_dir() and d.name not in codes)


def _topic_drift(drift, model, live):
    from .pages import page_file, topics_data

    banks = model.of_kind("topics")
    if not banks:
        return
    topics = topics_data()
    for bank in banks:
        text = _read(live / page_file(bank.url) if live else None)
        if text is None:
            continue  # the page itself is reported missing
        parts = TOPIC_SECTION.split(text)
        sections = {parts[i]: parts[i + 1].split("</section>")[0] for i in range(1, len(parts) - 1, 2)}
        for topic in topics:
            section = sections.pop(topic["code"].lower(), None)
            if section is None:
                drift.topic_missing.append(topic["code"])
                continue
            claims = f"认领的学校({len(topic['claims'])} 所)" if topic["claims"] else "尚无学校认领。"
            if not (_shows(section, topic["title"]) and f"gy-badge--{topic['state']}" in section and claims in section):
                drift.topic_stale.append(topic["code"])
        drift.topic_extra += sorted(code.upper() for code in sections)


def site_drift(out=None, drift=None) -> Drift:
    from .pages import page_file
    from .sitemodel import SiteModel

    drift = drift or Drift()
    waiting = _site_work_waiting()
    out = Path(out or settings.SITE_OUTPUT_DIR).absolute()
    live = releases.current_release(out)
    model = SiteModel()
    public_files = {page_file(n.url): n for n in model.nodes.values()}
    for path, node in sorted(public_files.items()):
        text = _read(live / path if live else None)
        if text is None:
            drift.site_missing.append(node.url)
        elif not _shows(text, node.title):
            drift.site_stale.append(node.url)
    recorded = PublishedFile.objects.filter(target=str(out), page_id__isnull=False).values_list("path", flat=True)
    for path in sorted(set(recorded)):
        if path.endswith("index.html") and path not in public_files and live and (live / path).exists():
            drift.site_extra.append("/" + path.removesuffix("index.html"))
    if model.home is not None:
        _shelf_drift(drift, model, live)
        _topic_drift(drift, model, live)
    drift.site_in_flight = waiting or _site_work_waiting()  # queued before or after the comparison
    return drift


# --- search -------------------------------------------------------------------------------------

def _display(entry):
    display = entry.display
    return display.to_dict() if hasattr(display, "to_dict") else dict(display or {})


def _expected_entries():
    from search.documents import all_entries

    return {entry.meta.id: entry for entry in all_entries()}


def index_documents(backend) -> dict:
    """{entry id: (url, display)} of every document in ``backend``'s index."""
    if backend.name == "embedded":
        from search.models import IndexEntry

        return {row[0]: (row[1], row[2]) for row in IndexEntry.objects.values_list("entry_id", "url", "display")}
    if backend.name == "elasticsearch":
        from elasticsearch import helpers

        if not backend._exists():
            return {}
        backend.client.indices.refresh(index=backend.alias)
        hits = helpers.scan(backend.client, index=backend.alias, query={"query": {"match_all": {}}},
                            _source=["url", "display"])
        return {hit["_id"]: (hit["_source"].get("url"), hit["_source"].get("display") or {}) for hit in hits}
    raise ValueError(f"不认识的搜索后端:{backend.name}")


def search_backends():
    """Every search index that exists: the configured one; the embedded index if it holds any
    entry; Elasticsearch if a node is configured and its index (alias) was built."""
    from search.backends import get_backend
    from search.models import IndexEntry

    configured = get_backend()
    backends = [configured]
    if configured.name != "embedded" and IndexEntry.objects.exists():
        backends.append(get_backend("embedded"))
    if configured.name != "elasticsearch" and getattr(settings, "ELASTICSEARCH_CONFIGURED", False):
        elastic = get_backend("elasticsearch", timeout=10)
        try:
            built = elastic._exists()
        except Exception as error:  # noqa: BLE001 - a configured node that is down is reported
            built = True
            log.warning("核对:无法连接 Elasticsearch(%s):%s", elastic.url, error)
        if built:
            backends.append(elastic)
    return backends


default_backends = search_backends


def _reason(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def search_drift(drift: Drift, backends=None, expected=None) -> Drift:
    """Each index holds exactly the entries that belong there, each with today's URL and text."""
    expected = _expected_entries() if expected is None else expected
    waiting = _search_work_waiting()
    for backend in backends or search_backends():
        index = drift.indexes[backend.name] = IndexDrift(BACKEND_LABELS.get(backend.name, backend.name))
        try:
            actual = index_documents(backend)
        except Exception as error:  # noqa: BLE001 - an unreachable index is drift, reported in Chinese
            index.error = f"无法读取索引({_reason(error)})"
            continue
        index.missing = sorted(set(expected) - set(actual))
        index.extra = sorted(set(actual) - set(expected))
        index.stale = sorted(i for i in set(expected) & set(actual)
                             if actual[i] != (expected[i].url, _display(expected[i])))
    # A task may finish or be queued while the indexes are read: what waited before or after counts.
    after = _search_work_waiting()
    waiting = (waiting[0] + after[0], waiting[1] or after[1])
    for index in drift.indexes.values():
        index.in_flight = _covered_by_waiting_tasks(index.missing + index.extra + index.stale, expected, waiting)
    return drift


def _task_rows(prefix):
    """(task path, args) of the tasks under ``prefix`` that wait or run (none with another backend)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover
        return []
    from cms.core.workers import uses_task_table

    if not uses_task_table():
        return []
    rows = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"], task_path__startswith=prefix)
    return [(path, (args or {}).get("args") or []) for path, args in rows.values_list("task_path", "args_kwargs")]


def _site_work_waiting():
    from .status import SITE, row

    return bool(row(SITE).pending or _task_rows("cms.publishing."))


def _search_work_waiting():
    """What the search tasks still have to write: the tree paths of the subtrees to sync or remove,
    and whether a task that may touch any entry (a renamed problem, stage, theme or topic) waits."""
    from wagtail.models import Page

    paths, page_ids, broad = [], [], False
    for path, args in _task_rows("search."):
        name = path.rsplit(".", 1)[-1]
        if name == "sync_subtree" and args:
            page_ids.append(args[0])
            paths += [a for a in args[1:2] if a]
        elif name == "remove_subtree" and args:
            paths.append(args[0])
        else:
            broad = True
    paths += Page.objects.filter(pk__in=page_ids).values_list("path", flat=True)
    return tuple(paths), broad


def _covered_by_waiting_tasks(ids, expected, waiting):
    paths, broad = waiting
    if broad:
        return sorted(ids)
    if not paths:
        return []
    from wagtail.models import Page

    pages = {f"page-{pk}": path for pk, path in Page.objects.filter(
        pk__in=[int(i[5:]) for i in ids if i.startswith("page-") and i[5:].isdigit()]).values_list("pk", "path")}
    covered = []
    for i in ids:
        path = expected[i].path if i in expected and getattr(expected[i], "path", "") else pages.get(i, "")
        if path and path.startswith(paths):
            covered.append(i)
    return sorted(covered)


def repair_search(drift: Drift, backends=None, expected=None):
    """Rewrite or delete each entry the comparison found wrong, by what belongs in the index *now*:
    editors keep working between the comparison and the repair (a page found missing may have been
    unpublished since — it is deleted, not looked up)."""
    expected = _expected_entries() if expected is None else expected
    for backend in backends or search_backends():
        index = drift.indexes.get(backend.name)
        if index is None or not index.total or index.error:
            continue
        wrong = set(index.missing) | set(index.stale) | set(index.extra)
        rewrite = sorted(i for i in wrong if i in expected)
        if rewrite:
            backend.upsert([expected[i] for i in rewrite])
        gone = {i for i in wrong if i not in expected}
        if gone:
            backend.delete(gone)


def find_drift(out=None, backends=None):
    return search_drift(site_drift(out), backends)


def verify(out=None, repair=True, backends=None):
    """(drift found, drift left after repair). Repairs the site with a publish (a full one if an
    incremental publish did not remove the drift) and each search index entry by entry.
    ``backends``: the indexes to compare (default: every index that exists, ``search_backends``)."""
    from . import status
    from .publisher import publish

    backends = backends or search_backends()
    found = find_drift(out, backends)
    if not repair or not found.total:
        return found, found
    if found.site:
        try:
            publish(out)
            if site_drift(out).site:
                publish(out, full=True)
            status.succeeded(status.SITE)
        except Exception as error:  # noqa: BLE001 - recorded; the periodic job retries
            status.failed(status.SITE, error)
            log.exception("核对后修复家长网站失败")
    if found.search:
        try:
            repair_search(found, backends)
            status.succeeded(status.SEARCH)
        except Exception as error:  # noqa: BLE001
            status.failed(status.SEARCH, error)
            log.exception("核对后修复搜索索引失败")
    left = find_drift(out, backends)
    log.warning("核对:发现 %s 处不一致(%s),修复后剩 %s 处。%s", found.total, found.in_flight_line(), left.total,
                ";".join(found.lines()))
    return found, left


def resync_search():
    """Write every entry again and drop those that should not be there (the search channel's
    retry after a failure: titles changed while the index was unreachable are caught too)."""
    from search.backends import get_backend

    backend = get_backend()
    entries = _expected_entries()
    backend.upsert(list(entries.values()))
    extra = set(index_documents(backend)) - set(entries)
    if extra:
        backend.delete(extra)
    return len(entries)
