"""``publish_site --verify`` and the worker's periodic check: compare what the database says is
public (``cms.core.vocabulary``, through the site model) with the live parent site and the
search index, repair any drift, and report what was found and fixed.

Drift on the site: a public page without its file, a page file for a page that is no longer
public, a page whose file does not show its current title. Drift in search: an entry missing or
one that should not be there (page entry ids compared with the public searchable pages).
"""

from __future__ import annotations

import dataclasses
import html
import logging
from pathlib import Path

from django.conf import settings

from . import release as releases
from .models import PublishedFile

log = logging.getLogger("gongyu.publishing")


@dataclasses.dataclass
class Drift:
    site_missing: list = dataclasses.field(default_factory=list)   # URLs public in the database, not on the site
    site_extra: list = dataclasses.field(default_factory=list)     # URLs on the site, not public any more
    site_stale: list = dataclasses.field(default_factory=list)     # URLs whose file shows an old title
    search_missing: list = dataclasses.field(default_factory=list)  # entry ids
    search_extra: list = dataclasses.field(default_factory=list)

    @property
    def site(self):
        return len(self.site_missing) + len(self.site_extra) + len(self.site_stale)

    @property
    def search(self):
        return len(self.search_missing) + len(self.search_extra)

    @property
    def total(self):
        return self.site + self.search

    def lines(self):
        out = []
        for label, items in (("网站缺少的页面", self.site_missing), ("网站上多余的页面", self.site_extra),
                             ("网站上过期的页面", self.site_stale), ("搜索缺少的条目", self.search_missing),
                             ("搜索中多余的条目", self.search_extra)):
            if items:
                shown = "、".join(items[:10]) + (f" 等 {len(items)} 个" if len(items) > 10 else "")
                out.append(f"{label}:{shown}")
        return out


def _shows_title(text, title):
    from markupsafe import escape

    return any(form in text for form in (str(escape(title)), html.escape(title, quote=False), html.escape(title)))


def site_drift(out=None) -> Drift:
    from .pages import page_file
    from .sitemodel import SiteModel

    drift = Drift()
    out = Path(out or settings.SITE_OUTPUT_DIR).absolute()
    live = releases.current_release(out)
    model = SiteModel()
    public_files = {page_file(n.url): n for n in model.nodes.values()}
    for path, node in sorted(public_files.items()):
        file = live / path if live else None
        if file is None or not file.exists():
            drift.site_missing.append(node.url)
        elif not _shows_title(file.read_text(encoding="utf-8", errors="replace"), node.title):
            drift.site_stale.append(node.url)
    recorded = PublishedFile.objects.filter(target=str(out), page_id__isnull=False).values_list("path", flat=True)
    for path in sorted(set(recorded)):
        if path.endswith("index.html") and path not in public_files and live and (live / path).exists():
            drift.site_extra.append("/" + path.removesuffix("index.html"))
    return drift


def _page_entry_ids(backend):
    """Ids of the page entries in the index (those under the site root's tree path)."""
    from cms.core.vocabulary import site_root

    root = site_root()
    return set(backend.ids_under(root.path)) if root else set()


def _expected_page_entries():
    from search.documents import entry_for_page, public_pages

    return [entry_for_page(page) for page in public_pages()]


def search_drift(drift: Drift) -> Drift:
    """Page entries: each public searchable page has one, nothing else has one. (Problem and
    topic entries are keyed by code and rewritten whenever those change.)"""
    from search.backends import get_backend

    expected = {entry.meta.id for entry in _expected_page_entries()}
    actual = _page_entry_ids(get_backend())
    drift.search_missing = sorted(expected - actual)
    drift.search_extra = sorted(actual - expected)
    return drift


def repair_search(drift: Drift):
    from search.backends import get_backend

    backend = get_backend()
    missing = set(drift.search_missing)
    if missing:
        backend.upsert([e for e in _expected_page_entries() if e.meta.id in missing])
    if drift.search_extra:
        backend.delete(set(drift.search_extra))


def verify(out=None, repair=True):
    """(drift found, drift left after repair). Repairs the site with a publish (a full one if an
    incremental publish did not remove the drift) and the search index entry by entry."""
    from . import status
    from .publisher import publish

    found = search_drift(site_drift(out))
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
            repair_search(found)
            status.succeeded(status.SEARCH)
        except Exception as error:  # noqa: BLE001
            status.failed(status.SEARCH, error)
            log.exception("核对后修复搜索索引失败")
    left = search_drift(site_drift(out))
    if found.total:
        log.warning("核对:发现 %s 处不一致,修复后剩 %s 处。%s", found.total, left.total, ";".join(found.lines()))
    return found, left


def resync_search():
    """Write every entry again and drop those that should not be there (the search channel's
    retry after a failure: titles changed while the index was unreachable are caught too)."""
    from search.backends import get_backend
    from search.documents import all_entries

    backend = get_backend()
    entries = list(all_entries())
    backend.upsert(entries)
    extra = _page_entry_ids(backend) - {e.meta.id for e in entries}
    if extra:
        backend.delete(extra)
    return len(entries)
