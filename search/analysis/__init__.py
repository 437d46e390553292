"""Chinese text analysis shared by every search in Gongyu (embedded, Elasticsearch, admin, parent site).

The vocabulary lives next to this file and is the single source for everyone:

- ``userdict.txt``  jieba user dictionary (``word [freq] [tag]``): family-education words
  (手机游戏, 短视频, 亲子沟通, 隔代教育, 幼小衔接, 校园欺凌…), so they stay one token;
- ``synonyms.txt``  one synonym group per line, comma-separated, ``#`` comments; written for
  Gongyu (family-education words, parents' colloquial words ↔ lesson words), under the
  project's licence — no third-party word list;
- ``stopwords.txt`` filler words (孩子, 怎么办, 如何…), one per line, ``#`` comments.

Public functions (import them from ``search.analysis``):

``segment_for_index(text) -> list[str]``
    jieba *search mode* tokens of ``text`` (so 手机游戏 yields 手机, 游戏 and 手机游戏),
    normalised (NFKC, lower case), punctuation and stopwords removed. Index this.
``segment_query(text) -> list[str]``
    the query's words: jieba precise mode, normalised the same way, stopwords and (when a longer
    word is present) single characters dropped, duplicates removed, in order. Each word is one
    concept the parent asked for.
``expand_synonyms(words) -> list[list[str]]``
    one group per word: the word first, then every synonym from ``synonyms.txt`` — a document
    matches the concept if it contains any token of the group.
``query_terms(text) -> QueryTerms``
    everything a backend needs: ``groups`` (expanded concepts) and ``partial`` (search-mode
    sub-words of the query, for the best-partial fallback).
``index_text(text) -> str``
    the form stored in full-text columns: ``segment_for_index`` tokens joined with spaces, each
    token of a synonym group followed by that group's key (``synonym_key``), so an engine can
    score a whole synonym group as one term (its document frequency is the group's, not that of
    a rare synonym). ``QueryTerms.keys`` holds the keys of each query concept. Changing
    ``synonyms.txt`` therefore needs ``manage.py search_index rebuild``.

``informativeness(word) -> float`` / ``general_rarity(word) -> float``
    how much a query word tells (0.2 for an everyday word such as 天天, 觉得, 总是 … 1 for a telling
    one such as 王者, 网瘾), from its frequency in general Chinese (jieba's own dictionary);
    ``search.backends.base.rank`` scales each word's weight by it.

Every word of the user dictionary and of the synonym list is added to jieba, so a synonym such
as 不想上学 is a single token on both sides.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
USERDICT = HERE / "userdict.txt"
SYNONYMS = HERE / "synonyms.txt"
STOPWORDS = HERE / "stopwords.txt"

__all__ = [
    "segment_for_index", "segment_query", "expand_synonyms", "query_terms", "index_text",
    "QueryTerms", "Concept", "synonym_groups", "synonym_keys", "stopwords", "bigrams", "index_grams",
    "USERDICT", "SYNONYMS", "STOPWORDS", "feedback_words", "general_rarity", "informativeness",
]

_WORD = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_tokenizer = None


def _lines(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(normalise(word) for word in _lines(STOPWORDS))


@lru_cache(maxsize=1)
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in _lines(SYNONYMS):
        words = tuple(dict.fromkeys(normalise(w) for w in line.replace("，", ",").split(",") if w.strip()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


@lru_cache(maxsize=1)
def _synonym_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for group in synonym_groups():
        for word in group:
            bucket = index.setdefault(word, [])
            bucket.extend(w for w in group if w != word and w not in bucket)
    return {word: tuple(others) for word, others in index.items()}


def tokenizer():
    """The jieba tokenizer with the user dictionary and every synonym loaded (built once)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                general = {}  # jieba's own frequency of every word the lexicon adds or re-weights
                for line in _lines(USERDICT):
                    parts = line.split()
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tag = parts[2] if len(parts) > 2 else None
                    general.setdefault(normalise(parts[0]), tok.FREQ.get(normalise(parts[0]), 0))
                    tok.add_word(parts[0], freq, tag)
                for group in synonym_groups():
                    for word in group:
                        if len(word) > 1 and tok.FREQ.get(word, 0) == 0:
                            general.setdefault(word, 0)
                            tok.add_word(word, 1000)
                tok.gongyu_general = general
                _tokenizer = tok
    return _tokenizer


def release_tokenizer():
    """Let go of the tokenizer's dictionaries (~60 MB); the next ``tokenizer()`` builds it again
    (0.5 s). A full publish does this before its Pagefind processes start."""
    global _tokenizer
    with _lock:
        _tokenizer = None


def normalise(text: str) -> str:
    """Full-width to half-width, compatibility forms folded, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _keep(token: str, stop: bool = True) -> bool:
    return bool(token) and _WORD.search(token) is not None and not (stop and token in stopwords())


def segment_for_index(text: str, stop: bool = True) -> list[str]:
    """Search-mode tokens; ``stop=False`` keeps filler words (the admin search does)."""
    if not text:
        return []
    text = normalise(text)
    return [t for t in (tok.strip() for tok in tokenizer().cut_for_search(text)) if _keep(t, stop)]


def synonym_key(group) -> str:
    """A stable ASCII token standing for a synonym group (named after its first word)."""
    return "zsyn" + hashlib.sha1(group[0].encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=1)
def _keys_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for group in synonym_groups():
        key = synonym_key(group)
        for word in group:
            index.setdefault(word, []).append(key)
    return {word: tuple(keys) for word, keys in index.items()}


def synonym_keys(word: str) -> tuple[str, ...]:
    return _keys_index().get(word, ())


def index_text(text: str) -> str:
    out = []
    for token in segment_for_index(text):
        out.append(token)
        out.extend(synonym_keys(token))
    return " ".join(out)


def segment_query(text: str, stop: bool = True) -> list[str]:
    """The query's words in order; meaningful single characters (打, 骂, 哭, 吼) are kept."""
    if not text:
        return []
    text = normalise(text)
    words = [t for t in (tok.strip() for tok in tokenizer().cut(text)) if _keep(t, stop)]
    return list(dict.fromkeys(words))


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def bigrams(text: str) -> list[str]:
    """Character bigrams of every run of Han characters (a lone character stands for itself):
    the recall floor that needs no word list (走神 matches 走神 whatever the segmenter made of it)."""
    out = []
    for run in _HAN_RUN.findall(normalise(text or "")):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def index_grams(text: str) -> str:
    """The form stored in the bigram column / field: every Han character (so a meaningful single
    character — 吼, 哭, 骂 — is found inside 大吼大叫 whatever the segmenter did) and every
    bigram, joined with spaces."""
    out = []
    for run in _HAN_RUN.findall(normalise(text or "")):
        out.extend(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return " ".join(out)


def expand_synonyms(words) -> list[list[str]]:
    index = _synonym_index()
    return [[word, *index.get(word, ())] for word in words]


@dataclass(frozen=True)
class Concept:
    """One thing the parent asked for. ``tokens``: what stands for it in the word columns (the
    word, its synonym-group keys; for a decomposed compound, the whole compound too); ``weight``:
    its share of the query (a single character weighs less); ``optional``: a single character
    next to longer words, which ranks but is not needed for a complete match."""
    word: str
    tokens: tuple[str, ...]
    weight: float = 1.0
    optional: bool = False


@dataclass(frozen=True)
class QueryTerms:
    words: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    partial: tuple[str, ...] = field(default=())
    keys: tuple[tuple[str, ...], ...] = ()
    concepts: tuple[Concept, ...] = ()
    grams: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.groups)

    @property
    def all_terms(self) -> tuple[str, ...]:
        """Every token that may match: synonyms and sub-words included (for highlighting)."""
        seen = dict.fromkeys(t for group in self.groups for t in group)
        seen.update(dict.fromkeys(self.partial))
        return tuple(seen)


SINGLE_WEIGHT = 0.5


def decompose(word: str) -> list[str]:
    """The sub-words of a compound that cover it (时间管理 -> 时间, 管理), or [] when it is not
    one: the same search-mode cut the index side uses, so 管理时间 and 时间管理 both match."""
    if len(word) < 3 or word.isascii():
        return []
    parts = {t for t in tokenizer().cut_for_search(word) if 1 < len(t) < len(word)}
    # A cover of the word by parts that do not overlap, left to right, longest part first
    # (今天天气 -> 今天, 天气; the search-mode cut also yields 天天 across the seam, which is not a
    # word the parent typed). No such cover: not a compound.
    cover, at = [], 0
    while at < len(word):
        part = next((word[at:end] for end in range(len(word), at + 1, -1) if word[at:end] in parts), None)
        if part is None:
            return []
        cover.append(part)
        at += len(part)
    # A filler part (孩子 in 不管孩子) is not a concept, as it would not be as a word of its own.
    kept = [p for p in dict.fromkeys(cover) if p not in stopwords()]
    return kept


def query_terms(text: str) -> QueryTerms:
    words = segment_query(text)
    groups = tuple(tuple(g) for g in expand_synonyms(words))
    in_groups = {t for g in groups for t in g}
    partial = tuple(
        t for t in dict.fromkeys(segment_for_index(text)) if t not in in_groups and len(t) > 1
    )
    keys = tuple(synonym_keys(w) for w in words)
    longer = any(len(w) > 1 for w in words)
    concepts, grams = [], []
    for word in words:
        single = len(word) == 1 and not word.isascii()
        parts = decompose(word)
        if parts:
            for part in parts:
                concepts.append(Concept(part, (part, word, *synonym_keys(part), *synonym_keys(word)), 1.0 / len(parts) ** 0.5))
        else:
            concepts.append(Concept(word, (word, *synonym_keys(word)),
                                    SINGLE_WEIGHT if single and longer else 1.0, single and longer))
        grams.extend(bigrams(word) if len(word) > 1 else [word] if single and not longer else [])
    return QueryTerms(words=tuple(words), groups=groups, partial=partial, keys=keys,
                      concepts=tuple(concepts), grams=tuple(dict.fromkeys(grams)))


# Everyday words (天天, 觉得, 不管, 影响, 不爱): how much a query word tells, from its frequency in
# general Chinese (jieba's dictionary, not this catalogue: the same on every engine and at any
# index size). A catalogue-rarity weight alone cannot see it: 天天 is in few lessons of a small
# catalogue, so it weighed as much as the word the parent meant (王者) and pulled up every lesson
# that says 天天 in its title. Tuned on the dev half only.
EVERYDAY_RARITY = 9.0   # ln(total / frequency) at or below this: an everyday word (时间, 打, 觉得, 总是)
TELLING_RARITY = 12.0   # at or above this: a telling word (王者, 没意思, 网瘾)
EVERYDAY_FLOOR = 0.2    # the least an everyday word counts (it still ranks, it never empties)


def general_rarity(word: str) -> float:
    """ln(total / frequency) of ``word`` in general Chinese: jieba's own dictionary frequency
    (before Gongyu's lexicon re-weighted it). A word jieba's dictionary lacks: a word of the
    family-education lexicon counts as telling; any other (a word jieba's HMM found, 不爱, 追着喂)
    as common as its characters are on average — such words are made of everyday characters."""
    tok = tokenizer()
    general = getattr(tok, "gongyu_general", {})
    freq = general[word] if word in general else tok.FREQ.get(word, 0)
    if freq > 0:
        return math.log(tok.total / freq)
    if word in general or word.isascii():
        return TELLING_RARITY
    chars = [tok.FREQ.get(ch, 0) for ch in word]
    return sum(math.log(tok.total / max(f, 1)) for f in chars) / max(1, len(chars))


def informativeness(word: str) -> float:
    """How much a query word counts next to the others, from ``EVERYDAY_FLOOR`` (an everyday
    word) to 1 (a telling one), linear in its general rarity in between."""
    rarity = general_rarity(word)
    share = (rarity - EVERYDAY_RARITY) / (TELLING_RARITY - EVERYDAY_RARITY)
    return min(1.0, max(EVERYDAY_FLOOR, share))


FEEDBACK_CHARS = 3000  # characters read of each best match (bounds the work per query)


def feedback_words(texts, exclude=(), limit=4) -> list[str]:
    """The most telling words of a few texts (the best matches of a query), for pseudo-relevance
    feedback: each word of two or more characters scores its share of each text times its rarity
    in general Chinese (jieba's dictionary frequencies, not this catalogue's: the same on every
    engine and at any index size); filler words and ``exclude`` (the query's own tokens) are left
    out."""
    tok = tokenizer()
    score: dict[str, float] = {}
    for text in texts:
        words = [w for w in segment_for_index((text or "")[:FEEDBACK_CHARS]) if len(w) > 1 and w not in exclude]
        for word in set(words):
            rarity = math.log(tok.total / max(tok.FREQ.get(word, 0), 1))
            score[word] = score.get(word, 0.0) + words.count(word) / len(words) * rarity
    return [w for w, _ in sorted(score.items(), key=lambda x: (-x[1], x[0]))[:limit]]
