"""Pagefind (extended build: Chinese segmentation) over the published pages, in shards.

Pagefind re-indexes everything it is given and its memory grows with the site, so the site is
split into shards (a page's shard is stable, from its id); a publish re-indexes only the shards
whose pages changed, and the browser merges the shards at search time (``mergeIndex``).
``pagefind/site.json`` lists the shards and carries the query vocabulary.

Pagefind indexes a search copy of each page (``search_copy``): its title, search metadata,
problems, synonym terms and lead, and the first ``TEXT_BUDGET`` characters of the rest of its text.
A browser downloads, for each word of a query, the index chunk holding that word's positions in
every page: indexing whole lesson texts made a common word's chunk grow with the catalogue's text
(hundreds of KB at 10,000 lessons), and a first search far over its 300 KB budget (issue 17).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from .release import touched

PAGES_PER_SHARD = 1000   # pages per Pagefind shard: its process holds ~50 MB + ~150 KB a page
# Pagefind's own UIs are not used (the site has its own search page, site/…/search.js).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


TEXT_BUDGET = 400  # characters of a page's running text indexed, after its title, metadata and lead

_TOKENS = re.compile(r"(<[^>]*>)")
_KEEP = re.compile(r"\bdata-pagefind-(?:meta|filter|weight)\b|\bclass=\"[^\"]*\bgy-lead\b|^<h1\b")


class SearchIndexError(Exception):
    pass


def search_copy(html: str, budget: int = TEXT_BUDGET) -> str:
    """The page as Pagefind should index it: every tag kept (so its metadata, filters and weights
    stay), the text of the title, of the search metadata and of the lead kept whole, and of the
    rest of the searchable part only the first ``budget`` characters."""
    start = html.find("data-pagefind-body")
    if start < 0:
        return html
    start = html.find(">", start) + 1
    parts = _TOKENS.split(html[start:])
    out, left, keep = [html[:start]], budget, False
    for part in parts:
        if part.startswith("<"):
            out.append(part)
            keep = bool(_KEEP.search(part)) if not part.startswith("</") else False
            continue
        if keep or not part.strip():
            out.append(part)
        elif left > 0:
            out.append(part[:left])
            left -= len(part)
        keep = False
    return "".join(out)


def shard_count(searchable_pages: int) -> int:
    return max(1, -(-searchable_pages // PAGES_PER_SHARD))


def shard_dir(root: Path, shard: int) -> Path:
    return root / "pagefind" / f"s{shard}"


def _executable() -> str:
    from pagefind_bin_extended import get_executable

    return str(get_executable())


def _index_one(root: Path, shard: int, files: list[str]):
    out = shard_dir(root, shard)
    work = root.parent / f".{root.name}.pagefind-{shard}"
    tmp_out = out.with_name(out.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(tmp_out, ignore_errors=True)
    try:
        # The shard's pages, as search copies in a folder of their own (same paths, so same URLs).
        for rel in files:
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(search_copy((root / rel).read_text(encoding="utf-8")), encoding="utf-8")
        if not files:
            (work / "index.html").parent.mkdir(parents=True, exist_ok=True)
            (work / "index.html").write_text('<html lang="zh"><body data-pagefind-body></body></html>')
        result = subprocess.run(
            [_executable(), "--site", str(work), "--output-path", str(tmp_out), "--force-language", "zh", "--quiet"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise SearchIndexError(f"搜索索引(Pagefind)生成失败:{result.stderr[-1000:] or result.stdout[-1000:]}")
        for name in UNUSED:
            path = tmp_out / name
            if path.exists():
                path.unlink()
        shutil.rmtree(out, ignore_errors=True)
        tmp_out.rename(out)
        touched(root, f"pagefind/{out.name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(tmp_out, ignore_errors=True)


def index_processes() -> int:
    """Pagefind processes run at once: one per core (``GONGYU_PUBLISH_WORKERS``, as the render
    pool); each holds one shard, so memory is this many shards, whatever the catalogue's size."""
    import os

    from django.conf import settings

    return max(1, settings.GONGYU_PUBLISH_WORKERS or os.cpu_count() or 1)


def index_shards(root: Path, shards: dict[int, list[str]]):
    """(Re)build the given shards: {shard: [page file paths relative to root]}, several at once
    (``index_processes``; Pagefind itself keeps about one core busy). The first error is raised
    once every shard started has finished."""
    items = sorted(shards.items())
    processes = min(index_processes(), len(items))
    if processes < 2:
        for shard, files in items:
            _index_one(root, shard, files)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(processes) as pool:
        for future in [pool.submit(_index_one, root, shard, files) for shard, files in items]:
            future.result()


WORD_BUCKETS = 64  # the browser's word list, split by its words' first character


def _write_json(root: Path, rel: str, data):
    """A new file renamed over the old name (a hard-linked file of the live release is never
    modified)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
    touched(root, rel)


def write_site_json(root: Path, shard_ids, vocabulary: dict, gone=()):
    """``pagefind/site.json``: the shards to merge, the URLs to drop (pages gone since their
    shard was built) and the query vocabulary. The segmenter's word list goes to
    ``pagefind/words/<n>.json`` by first character (code point mod ``WORD_BUCKETS``): a search
    fetches only the few lists of its own characters, not the whole list. With them, by the same
    first character, the weights of everyday words (``i``: {word: informativeness} of the words
    that count less than 1) and the general rarity of characters (``c``: the characters by rarity,
    ``r``: their rarities in hundredths, each after the first as the step from the one before)."""
    vocabulary = dict(vocabulary)
    buckets = [{"w": [], "g": []} for _ in range(WORD_BUCKETS)]
    for word in vocabulary.pop("words", []):
        buckets[ord(word[0]) % WORD_BUCKETS]["w"].append(word)
    site_words = {w for b in buckets for w in b["w"]}
    for word in vocabulary.pop("general", []):   # everyday words: where to cut, not search terms
        if word not in site_words:
            buckets[ord(word[0]) % WORD_BUCKETS]["g"].append(word)
    for word, value in sorted(vocabulary.pop("everyday", {}).items()):
        buckets[ord(word[0]) % WORD_BUCKETS].setdefault("i", {})[word] = value
    for hundredths, ch in sorted((round(r * 100), ch) for ch, r in vocabulary.pop("chars", {}).items()):
        bucket = buckets[ord(ch) % WORD_BUCKETS]
        bucket["c"] = bucket.get("c", "") + ch
        bucket.setdefault("r", []).append(hundredths)
    for bucket in buckets:   # rarities ascending: each after the first as its step (short numbers)
        if "r" in bucket:
            rarities = bucket["r"]
            bucket["r"] = [r - before for r, before in zip(rarities, [0, *rarities], strict=False)]
    for n, words in enumerate(buckets):
        _write_json(root, f"pagefind/words/{n}.json", words)
    vocabulary["buckets"] = WORD_BUCKETS
    data = {"shards": [f"/pagefind/s{i}/" for i in shard_ids], "gone": list(gone), "vocabulary": vocabulary}
    _write_json(root, "pagefind/site.json", data)
    keep = {f"s{i}" for i in shard_ids}
    for extra in (root / "pagefind").glob("s*"):
        if extra.is_dir() and extra.name not in keep and re.fullmatch(r"s\d+", extra.name):
            shutil.rmtree(extra)
            touched(root, f"pagefind/{extra.name}")
