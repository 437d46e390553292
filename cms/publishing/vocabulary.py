"""The search vocabulary on the static site, taken from ``search.analysis`` (never copied):
hidden synonym terms per page at index time, and the word list the browser segments queries with.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections import Counter
from pathlib import Path

from search.analysis import (
    EVERYDAY_FLOOR,
    EVERYDAY_RARITY,
    TELLING_RARITY,
    USERDICT,
    decompose,
    general_rarity,
    informativeness,
    segment_for_index,
    stopwords,
    synonym_groups,
    tokenizer,
)

MAX_WORDS = 3000
GENERAL_WORDS = 3000  # everyday words from jieba's own dictionary, by frequency (今天, 天气, 做法)


@functools.lru_cache(maxsize=1)
def general_words() -> tuple[str, ...]:
    """The most frequent two- to four-character words of jieba's dictionary (shipped in the jieba
    package): the browser cuts a parent's everyday words as words (今天/天气, not 今/天天/气)."""
    import jieba

    path = Path(jieba.__file__).with_name("dict.txt")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and 2 <= len(parts[0]) <= 4:
                rows.append((-int(parts[1]), parts[0]))
    return tuple(w for _, w in sorted(rows)[:GENERAL_WORDS])


@functools.lru_cache(maxsize=1)
def char_rarity() -> dict[str, float]:
    """Every Chinese character of jieba's dictionary with its general rarity
    (``search.analysis.general_rarity``, to 0.01): the browser weighs a word it has no number for
    as the server does a word jieba lacks, by its characters' rarity on average (不爱 -> everyday)."""
    freq = tokenizer().FREQ
    return {ch: round(general_rarity(ch), 2) for ch in sorted(freq) if len(ch) == 1 and freq[ch] > 0 and not ch.isascii()}


def everyday_rule() -> dict:
    """The numbers of ``search.analysis.informativeness`` the browser needs for a word of no list:
    rarity at or below ``low`` counts ``floor``, at or above ``high`` 1, linear between; a character
    jieba lacks is as rare as ``unknown`` (the server's own figure for one)."""
    return {"low": EVERYDAY_RARITY, "high": TELLING_RARITY, "floor": EVERYDAY_FLOOR,
            # U+E000 (private use) is in no dictionary: the server's rarity of an unknown character
            "unknown": round(general_rarity("\ue000"), 2)}


def word_informativeness(words) -> dict[str, float]:
    """{word: ``search.analysis.informativeness``} of the words that count less than a telling
    one (an absent word the browser knows counts 1), to 0.001. A compound the server splits into
    its parts (``analysis.decompose``: 不管孩子 -> 不管, 时间管理 -> 时间 + 管理) counts as its
    parts do on average: the server weighs the parts, the browser searches the word as one."""
    out = {}
    for word in words:
        parts = decompose(word)
        value = sum(informativeness(p) for p in parts) / len(parts) if parts else informativeness(word)
        if value < 1:
            out[word] = round(value, 3)
    return out


class Vocabulary:
    def __init__(self):
        self.groups = synonym_groups()
        self.stop = sorted(stopwords())
        self.userwords = [line.split()[0] for line in USERDICT.read_text(encoding="utf-8").splitlines()
                          if line.strip() and not line.startswith("#")]
        self.digest = hashlib.sha1(repr((self.groups, self.stop, self.userwords)).encode()).hexdigest()

    def hidden_terms(self, text: str, key_text: str = "") -> str:
        """Index-side expansion: the words of ``key_text`` (title and problems, segmented as the
        query will be) and every synonym of a word that ``text`` contains, so 叛逆 finds a page
        that only says 逆反."""
        text = text or ""
        tokens = [t for t in segment_for_index(key_text) if len(t) > 1] if key_text else []
        extra = []
        for group in self.groups:
            if any(len(word) > 1 and word in text for word in group):
                extra.extend(group)
        return " ".join(dict.fromkeys(tokens + extra))

    def browser_vocabulary(self, texts, cache: Path | None = None) -> dict:
        """Words the browser's longest-match segmenter knows: the user dictionary, the synonyms,
        and the most frequent words of the site's titles and problems (capped).

        With ``cache`` (a file), the word counts are kept between publishes and only titles that
        appeared or went since are segmented again: an edit costs a few titles, not the site."""
        texts = Counter(texts)
        previous, counts = self._load_counts(cache)
        for text in set(previous) | set(texts):
            delta = texts.get(text, 0) - previous.get(text, 0)
            if delta:
                for token in segment_for_index(text):
                    if len(token) > 1:
                        counts[token] += delta
        counts = +counts   # drop words no title has any more
        if cache is not None:
            self._save_counts(cache, texts, counts)
        words = set(self.userwords) | {w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_WORDS]}
        general = set(general_words()) - words
        return {
            "words": sorted(words),
            # where the browser cuts a question (今天/天气), without making them the site's words
            "general": sorted(general),
            # Everyday words (天天, 觉得, 不管) count less in a query of several words, as in the
            # server's rank(): each word the browser can cut as one, with its informativeness, and
            # the characters' rarity for any other word (both go out in the word files).
            "everyday": word_informativeness(words | general | {w for g in self.groups for w in g}),
            "chars": char_rarity(),
            "everyday_rule": everyday_rule(),
            "stopwords": self.stop,
            "synonyms": [list(g) for g in self.groups],
            "shelves": shelf_entries(),
            "size": sum(texts.values()),  # about how many pages are searchable: scales a word's rarity
        }

    def _load_counts(self, cache):
        if cache is not None:
            try:
                with open(cache, "rb") as handle:
                    digest, texts, counts = pickle.load(handle)
                if digest == self.digest:
                    return texts, counts
            except (OSError, ValueError, EOFError, pickle.UnpicklingError):
                pass
        return Counter(), Counter()

    def _save_counts(self, cache, texts, counts):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            pickle.dump((self.digest, texts, counts), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)


MAX_SHELF_TEXT = 60  # characters of a problem's or topic's description shipped to the browser


def shelf_entries():
    """Problems (their shelf) and research topics as search results on the site, as in
    /api/search/: [{k: kind, t: title, d: description (cut), u: the site's URL}]."""
    from cms.core.vocabulary import parent_url
    from cms.taxonomy.models import Problem
    from cms.topics.models import ResearchTopic

    out = []
    for problem in Problem.objects.order_by("code"):
        out.append({"k": "problem", "t": problem.title, "d": (problem.description or "")[:MAX_SHELF_TEXT],
                    "u": parent_url(problem)})
    for topic in ResearchTopic.objects.order_by("code"):
        url = parent_url(topic)
        if url:
            out.append({"k": "topic", "t": topic.title, "d": (topic.description or "")[:MAX_SHELF_TEXT], "u": url})
    return out
