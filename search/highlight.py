"""Highlighted snippets, the same for every backend: the matched words (synonyms included) are
wrapped in ``<mark>`` in HTML-escaped text, so a hostile title can never inject markup."""

from __future__ import annotations

import re
from html import escape

from .analysis import normalise

SNIPPET_CHARS = 90


def _normalised_with_map(text):
    folded = normalise(text)
    if len(folded) == len(text):  # the usual case: one character for one (full-width → half-width)
        return folded, range(len(text))
    out, index = [], []
    for i, char in enumerate(text):
        folded = normalise(char)
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def _spans(text, terms):
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not text or not terms:
        return []
    folded, index = _normalised_with_map(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    spans = []
    for match in pattern.finditer(folded):
        start, end = index[match.start()], index[match.end() - 1] + 1
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


def mark(text, terms, spans=None):
    """``text`` escaped, with every occurrence of ``terms`` in ``<mark>``."""
    spans = _spans(text, terms) if spans is None else spans
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def snippet(fields, terms, length=SNIPPET_CHARS):
    """A window of the first field (in order) that contains a term, highlighted; else the start
    of the first non-empty field."""
    fields = [" ".join((f or "").split()) for f in fields]
    for text in fields:
        spans = _spans(text, terms)
        if not spans:
            continue
        first = spans[0][0]
        start = max(0, min(first - length // 4, len(text) - length))
        end = min(len(text), start + length)
        window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        body = mark(text[start:end], terms, window)
        return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
    for text in fields:
        if text:
            return escape(text[:length]) + ("…" if len(text) > length else "")
    return ""
