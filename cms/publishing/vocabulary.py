"""The search vocabulary on the static site, taken from ``search.analysis`` (never copied):
hidden synonym terms per page at index time, and the word list the browser segments queries with.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from search.analysis import segment_for_index, stopwords, synonym_groups
from search.analysis import USERDICT

MAX_WORDS = 3000


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

    def browser_vocabulary(self, texts) -> dict:
        """Words the browser's longest-match segmenter knows: the user dictionary, the synonyms,
        and the most frequent words of the site's titles and problems (capped)."""
        counts = Counter()
        for text in texts:
            counts.update(t for t in segment_for_index(text) if len(t) > 1)
        words = set(self.userwords) | {w for w, _ in counts.most_common(MAX_WORDS)}
        return {
            "words": sorted(words),
            "stopwords": self.stop,
            "synonyms": [list(g) for g in self.groups],
        }
