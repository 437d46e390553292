"""The first screen of the site's search: a bounded index built at publish time (issue 17).

Pagefind's browser side opens an index of every page (its runtime, per-shard metadata, one chunk
per word per shard), so the bytes of a first search grow with the catalogue. The first screen is
answered instead from small files under ``pagefind/fs/``:

- ``t/<n>.json`` — term files: for each term (a word of a page's title, problems, hidden synonym
  terms or lead, segmented by ``search.analysis`` as the server does), how many pages have it and
  its best ``K`` pages with a compact score; ``{term: [df, id, score, id, score, …]}``. A term's
  file is ``fnv1a(term) % files`` (the browser computes the same), with ``files`` chosen at a full
  build so that one file is a few KB.
- ``c/<id // CARDS_PER_FILE>.json`` — result cards: ``{id: {u, t, k, f, s, i?}}`` (address, title,
  kind, facts (学段 …), one-line summary, picture), so a first screen fetches only the cards it
  shows.

The browser ranks by coordination over the query's terms weighted by rarity (the server's idea).
A query whose words' lists all hold every page that has them is answered exactly (找到 N 条结果,
「更多结果」 only for the rest of that list); only when a word's list was cut at ``K`` do 约 and
「更多结果」 past the list (Pagefind) appear. Filters go to Pagefind. Bytes of a first search: the
query's term files (each bounded by ``K``) plus at most ten card files, whatever the catalogue's size.

Incremental: the full postings live in a cache beside the releases (per term file and per card
file, so an edit reads a few small files); an edit rewrites only the term files of the terms a
page gained, lost or re-scored and its card file. The cache carries a token also written to the
release's ``site.json``; when they differ (a publish failed after the cache was written) the next
publish rebuilds the whole first-screen index from the release's pages.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import pickle
import re
import shutil
import uuid
from array import array
from pathlib import Path

from search.analysis import index_grams, normalise, segment_for_index

from . import release as releases

K = 200                  # pages kept per term
CARDS_PER_FILE = 8       # cards per card file (by page id)
TERM_FILE_BYTES = 3000   # a term file's aimed size (JSON, before gzip) at a full build
MAX_TERMS = 600          # terms kept per page (its best ones): bounded work per page
MAX_LEAD = 200           # characters of a lead segmented
ROOT = "pagefind/fs"
# Field weights of a term's score (summed over the fields that hold it).
WEIGHTS = {"title": 8, "problems": 5, "terms": 3, "lead": 2, "text": 1}
TEXT_BUDGET = 400        # characters of the running text after the lead (as Pagefind's search copy)

_BODY = re.compile(r"data-pagefind-body[^>]*>")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_META = re.compile(r"<(\w+)\b([^>]*\bdata-pagefind-meta=\"([^\"]*)\"[^>]*)>(.*?)</\1>", re.S)
_WEIGHT = re.compile(r"<div hidden data-pagefind-weight=\"(\d+)\">(.*?)</div>", re.S)
_LEAD = re.compile(r"<p class=\"gy-lead\">(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]*>")
_CJK = re.compile(r"[\u3400-\u9fff]")
_HIDDEN = re.compile(r"<(span|div) hidden[^>]*>.*?</\1>|<div data-pagefind-ignore>.*?</div>|<h1\b.*?</h1>", re.S)
IMAGE = ("image", "image_srcset", "image_avif", "image_webp")


def fnv1a(term: str) -> int:
    """The term file's hash (search.js: ``bucketOf``), over code points."""
    h = 2166136261
    for ch in term:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h


def _text(fragment: str) -> str:
    return htmllib.unescape(_TAG.sub("", fragment)).strip()


def entry(page_html: str, url: str):
    """(card, {term: score}) of one published page, from its search markup; None when the page
    is not searchable."""
    start = _BODY.search(page_html)
    if not start:
        return None
    body = page_html[start.end():]
    metas = {}
    for _tag, attrs, spec, inner in _META.findall(body):
        for item in spec.split(","):
            item = item.strip()
            m = re.fullmatch(r"(\w+)\[([\w-]+)\]", item)
            if m:
                value = re.search(r"\b" + re.escape(m.group(2)) + r"=\"([^\"]*)\"", attrs)
                metas[m.group(1)] = htmllib.unescape(value.group(1)) if value else ""
            elif item:
                metas[item] = _text(inner)
    h1 = _H1.search(body)
    title = _text(h1.group(1)) if h1 else metas.get("title", "")
    card = {"u": url, "t": title, "k": metas.get("kind", "")}
    if metas.get("facts"):
        card["f"] = metas["facts"]
    if metas.get("summary"):
        card["s"] = metas["summary"]
    if metas.get("image"):
        card["i"] = [metas.get(k, "") for k in IMAGE]
    lead = _LEAD.search(body)
    rest = body[lead.end():] if lead else body
    lead = _text(lead.group(1)) if lead else metas.get("summary", "")
    text = _text(_HIDDEN.sub(" ", rest[:TEXT_BUDGET * 8]))[:TEXT_BUDGET]
    hidden = " ".join(_text(t) for w, t in _WEIGHT.findall(body) if w == "4")
    fields = {"title": segment_for_index(title), "problems": segment_for_index(metas.get("problems", "")),
              "terms": [normalise(t) for t in hidden.split()], "lead": segment_for_index(lead[:MAX_LEAD]),
              "text": segment_for_index(text)}
    scores = {}
    for field, tokens in fields.items():
        for token in set(tokens):
            if token and not token.isspace():
                scores[token] = scores.get(token, 0) + WEIGHTS[field]
    # A parent's single character (哭, 打) matches the words holding it (哭闹), as a substring
    # match would: the characters of the key fields are terms too, weighing less than a word.
    chars = {}
    for field in ("title", "problems", "terms", "lead"):
        for ch in {c for token in fields[field] if len(token) > 1 for c in token if _CJK.match(c)}:
            chars[ch] = chars.get(ch, 0) + (WEIGHTS[field] + 1) // 2
    for ch, score in chars.items():
        scores[ch] = max(scores.get(ch, 0), score)
    # The server's recall floor (search.analysis.index_grams: every Han character and bigram), so
    # a word neither segmenter knows (咬人, 多动证) is found through its bigrams, as on the server.
    for raw in (title, metas.get("problems", ""), lead[:MAX_LEAD], text):
        for gram in index_grams(raw).split():
            scores.setdefault(gram, 1)
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
    return card, dict(best)


# -- the cache: full postings, beside the releases --------------------------------------------------
class Cache:
    """``meta.json`` {token, files, pages}; ``t/<n>.pickle`` {term: {id: score}} (every page, not only
    the best K); ``c/<n>.pickle`` {id: (card, {term: score})}. Without a folder (a site built by
    hand, the tests' parents site) everything stays in memory."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.terms: dict[int, dict] = {}
        self.cards: dict[int, dict] = {}
        self.meta = {}
        if folder is not None:
            try:
                self.meta = json.loads((folder / "meta.json").read_text())
            except (OSError, ValueError):
                self.meta = {}

    def _load(self, kind, n, into):
        if n not in into:
            data = {}
            if self.folder is not None:
                try:
                    with open(self.folder / kind / f"{n}.pickle", "rb") as handle:
                        data = pickle.load(handle)
                except (OSError, EOFError, pickle.UnpicklingError):
                    data = {}
            into[n] = data
        return into[n]

    def term_file(self, n):
        return self._load("t", n, self.terms)

    def card_file(self, n):
        return self._load("c", n, self.cards)

    def reset(self):
        self.terms, self.cards = {}, {}
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def save(self, dirty_terms, dirty_cards):
        if self.folder is None:
            return
        for kind, dirty, data in (("t", dirty_terms, self.terms), ("c", dirty_cards, self.cards)):
            (self.folder / kind).mkdir(parents=True, exist_ok=True)
            for n in dirty:
                path = self.folder / kind / f"{n}.pickle"
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                with open(tmp, "wb") as handle:
                    pickle.dump(data[n], handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
        tmp = self.folder / f".meta.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(self.meta))
        os.replace(tmp, self.folder / "meta.json")


def _term_files_for(total_bytes: int) -> int:
    return max(1, -(-total_bytes // TERM_FILE_BYTES))


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _term_row(postings: dict) -> list:
    best = sorted(postings.items(), key=lambda kv: (-kv[1], kv[0]))[:K]
    row = [len(postings)]
    for pk, score in best:
        row += [pk, score]
    return row


def live_token(root: Path):
    try:
        site = json.loads((root / "pagefind" / "site.json").read_text(encoding="utf-8"))
        return (site.get("vocabulary") or {}).get("fs", {}).get("token")
    except (OSError, ValueError, AttributeError):
        return None


def update(root: Path, cache_dir: Path | None, changed: dict[str, int], removed: dict[str, int] = None,
           full: bool = False, everything=None) -> dict:
    """Write the first-screen files of ``root`` (a release being built).

    ``changed``: {page file path relative to root: page id} of searchable pages written (a full
    build: every searchable page); ``removed``: those gone; ``everything()``: every searchable
    page of the release, read only when the cache cannot be trusted. Returns the browser's settings
    ({files, k, pages, per, token}) for ``site.json``."""
    removed = removed or {}
    cache = Cache(cache_dir)
    token = cache.meta.get("token")
    if not full and (token is None or token != live_token(root) or not (root / ROOT).is_dir()):
        full = True   # no cache, or one that does not belong to the live release: rebuild it whole
        changed = dict(everything() if everything is not None else changed)
    if full:
        return _write_all(root, cache, _entries(root, changed))
    entries = dict(_entries(root, changed))
    files = cache.meta["files"]
    dirty_terms, dirty_cards = set(), set()
    pages = cache.meta.get("pages", 0)
    for pk in [int(p) for p in removed.values()] + list(entries):
        cards = cache.card_file(pk // CARDS_PER_FILE)
        old = cards.pop(pk, None)
        new = entries.get(pk)
        old_terms = old[1] if old else {}
        new_terms = new[1] if new else {}
        pages += (new is not None) - (old is not None)
        if new is not None:
            cards[pk] = new
        if old != new:
            dirty_cards.add(pk // CARDS_PER_FILE)
        for term in set(old_terms) | set(new_terms):
            if old_terms.get(term) == new_terms.get(term):
                continue
            n = fnv1a(term) % files
            postings = cache.term_file(n).setdefault(term, {})
            if term in new_terms:
                postings[pk] = new_terms[term]
            else:
                postings.pop(pk, None)
                if not postings:
                    del cache.term_file(n)[term]
            dirty_terms.add(n)
    for n in sorted(dirty_terms):
        _write_term_file(root, n, cache.term_file(n))
    for n in sorted(dirty_cards):
        _write_card_file(root, n, cache.card_file(n))
    cache.meta.update(pages=pages, token=uuid.uuid4().hex[:12])
    cache.save(dirty_terms, dirty_cards)
    return _settings(cache.meta)


def _settings(meta) -> dict:
    return {"files": meta["files"], "k": K, "pages": meta.get("pages", 0), "per": CARDS_PER_FILE,
            "token": meta["token"]}


def _write_term_file(root: Path, n: int, terms: dict):
    rel = f"{ROOT}/t/{n}.json"
    if terms:
        releases.write_file(root, rel, _dump({t: _term_row(p) for t, p in sorted(terms.items())}))
    elif (root / rel).exists():
        releases.remove_file(root, rel)


def _write_card_file(root: Path, n: int, cards: dict):
    rel = f"{ROOT}/c/{n}.json"
    if cards:
        releases.write_file(root, rel, _dump({str(pk): card for pk, (card, _) in sorted(cards.items())}))
    elif (root / rel).exists():
        releases.remove_file(root, rel)


def _write_all(root: Path, cache: Cache, entries) -> dict:
    """Every file from scratch, from ``entries``: (page id, (card, {term: score})) in any order."""
    writer = FullWriter(root, cache)
    for pk, made in entries:
        writer.add(pk, made)
    return writer.finish()


class FullWriter:
    """The whole first-screen index of a release, fed one page at a time in any order (a full
    build's render workers compute the entries, the publishing process adds them as they come).
    Memory does not grow with the catalogue: the pages' cards and terms are spooled to files by
    card group (``SPOOL_GROUPS`` card files each) and the postings (term, score << 32 | id) to
    ``BUCKETS`` files by ``fnv1a(term) % BUCKETS``, each held in memory only up to
    ``BUFFER_POSTINGS`` postings. ``finish`` reads the card spools back one at a time (id order),
    then the posting buckets twice: to size the term files (from ``BUCKETS`` files on, a multiple of
    ``BUCKETS``, so a term file's terms all come from one bucket and the buckets are written one at
    a time; a smaller index keeps its exact count and is written in one pass), then to write
    them. The files are the same whatever order the pages came in."""

    SPOOL_GROUPS = 64          # card files per spool file
    BUFFERED = 500             # pages held before they are appended to their spool files
    BUCKETS = 256              # posting spool files (fnv1a(term) % BUCKETS)
    BUFFER_POSTINGS = 200_000  # postings held before they are appended to their buckets
    HASHES = 50_000            # terms whose bucket is remembered (forgotten all at once past it)

    def __init__(self, root: Path, cache: Cache):
        import tempfile

        self.root, self.cache = root, cache
        cache.reset()
        folder = root / ROOT
        if folder.exists():
            shutil.rmtree(folder)
        near = cache.folder.parent if cache.folder is not None and cache.folder.parent.is_dir() else None
        self.spool = Path(tempfile.mkdtemp(prefix="gongyu-fs-", dir=near))
        (self.spool / "t").mkdir()
        self.postings: dict[int, dict[str, array]] = {}   # bucket → term → packed postings
        self.held = 0                                      # postings in self.postings
        self.bucket_of: dict[str, int] = {}
        self.buffer: dict[int, list] = {}
        self.buffered = 0
        self.pages = 0

    def add(self, pk: int, made):
        self.pages += 1
        postings, bucket_of = self.postings, self.bucket_of
        for term, score in made[1].items():
            b = bucket_of.get(term)
            if b is None:
                if len(bucket_of) >= self.HASHES:
                    bucket_of.clear()
                b = bucket_of[term] = fnv1a(term) % self.BUCKETS
            terms = postings.get(b)
            if terms is None:
                terms = postings[b] = {}
            packed = terms.get(term)
            if packed is None:
                packed = terms[term] = array("q")
            packed.append(score << 32 | pk)
        self.held += len(made[1])
        if self.held >= self.BUFFER_POSTINGS:
            self._flush_postings()
        self.buffer.setdefault(pk // CARDS_PER_FILE // self.SPOOL_GROUPS, []).append((pk, made))
        self.buffered += 1
        if self.buffered >= self.BUFFERED:
            self._flush()

    def _flush(self):
        for n, items in self.buffer.items():
            with open(self.spool / f"{n}.pickle", "ab") as handle:
                pickle.dump(items, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.buffer, self.buffered = {}, 0

    def _flush_postings(self):
        for b, terms in self.postings.items():
            with open(self.spool / "t" / f"{b}.pickle", "ab") as handle:
                pickle.dump(terms, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.postings, self.held = {}, 0

    def _chunks(self, path):
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            return
        with handle:
            while True:
                try:
                    yield pickle.load(handle)
                except EOFError:
                    return

    def _spooled(self, n):
        items = []
        for chunk in self._chunks(self.spool / f"{n}.pickle"):
            items += chunk
        return items

    def _bucket(self, b) -> dict[str, array]:
        """Every posting of bucket ``b``: {term: packed postings}."""
        terms: dict[str, array] = {}
        for chunk in self._chunks(self.spool / "t" / f"{b}.pickle"):
            for term, packed in chunk.items():
                have = terms.get(term)
                if have is None:
                    terms[term] = packed
                else:
                    have.extend(packed)
        return terms

    def _files(self) -> int:
        """The number of term files: sized by what the browser downloads (each term's best K, so
        a file is a few KB). From ``BUCKETS`` files on, rounded up to a multiple of ``BUCKETS`` (every
        term of file n is in bucket n % BUCKETS, so ``finish`` writes one bucket at a time). Below it
        the count is not rounded: a small site keeps few term files, so an edit's terms touch few
        of them (a deploy uploads what changed), and ``finish`` reads its buckets in one pass."""
        size = 0
        for b in range(self.BUCKETS):
            df: dict[str, int] = {}
            for chunk in self._chunks(self.spool / "t" / f"{b}.pickle"):
                for term, packed in chunk.items():
                    df[term] = df.get(term, 0) + len(packed)
            size += sum(len(t.encode()) + 8 + 9 * min(n, K) for t, n in df.items())
        files = _term_files_for(size)
        if files >= self.BUCKETS:
            return -(-files // self.BUCKETS) * self.BUCKETS
        return files

    def discard(self):
        """A build that failed: its spooled pages go."""
        shutil.rmtree(self.spool, ignore_errors=True)

    def finish(self) -> dict:
        root, cache = self.root, self.cache
        try:
            self._flush()
            self._flush_postings()
            self.bucket_of = {}
            for n in sorted(int(p.stem) for p in self.spool.glob("*.pickle")):
                groups: dict[int, dict] = {}
                for pk, made in sorted(self._spooled(n), key=lambda item: item[0]):
                    groups.setdefault(pk // CARDS_PER_FILE, {})[pk] = made
                for group_n, group in groups.items():
                    _write_card_file(root, group_n, group)
                    cache.cards[group_n] = group
                    cache.save((), (group_n,))
                    del cache.cards[group_n]
            files = self._files()
            # One bucket at a time, or (a small index, fewer files than buckets) all in one pass.
            passes = [[b] for b in range(self.BUCKETS)] if files >= self.BUCKETS else [range(self.BUCKETS)]
            for buckets in passes:
                postings: dict[str, array] = {}
                for b in buckets:
                    postings.update(self._bucket(b))
                by_file: dict[int, list] = {}
                for term in sorted(postings):
                    by_file.setdefault(fnv1a(term) % files, []).append(term)
                for n, terms in sorted(by_file.items()):
                    data = {t: {v & 0xFFFFFFFF: v >> 32 for v in sorted(postings.pop(t), key=lambda v: v & 0xFFFFFFFF)}
                            for t in terms}
                    _write_term_file(root, n, data)
                    cache.terms[n] = data
                    cache.save((n,), ())
                    del cache.terms[n]
        finally:
            shutil.rmtree(self.spool, ignore_errors=True)
        releases.touched(root, ROOT)
        cache.meta = {"files": files, "pages": self.pages, "token": uuid.uuid4().hex[:12]}
        cache.save((), ())
        return _settings(cache.meta)


def write_all(root: Path, cache_dir: Path | None, entries) -> dict:
    """The whole first-screen index of ``root`` from (page id, (card, terms)) in any order
    (``bench/search_bytes.py --replicate`` feeds it pages it made up)."""
    return _write_all(root, Cache(cache_dir), entries)


def _entries(root: Path, pages: dict[str, int]):
    for pk, path in sorted((int(pk), path) for path, pk in pages.items() if pk is not None):
        try:
            text = (root / path).read_text(encoding="utf-8")
        except OSError:
            continue
        made = entry(text, "/" + path.removesuffix("index.html"))
        if made is not None:
            yield pk, made
