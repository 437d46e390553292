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

from search.analysis import USERDICT, segment_for_index, stopwords, synonym_groups

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
        return {
            "words": sorted(words),
            # where the browser cuts a question (今天/天气), without making them the site's words
            "general": sorted(set(general_words()) - words),
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
