"""A word's rarity is counted over every entry that has it, not over the 300 best candidates the
engine returns: in a catalogue where 早恋 is in 1,000 lessons and 追星 in 320, a parent asking
「早恋 追星」 sees the lesson about 追星 (the rarer word, the one that tells the lessons apart)
first, before the lesson about 早恋. Counted among the candidates, both words looked equally rare (300
each) and the lesson about 早恋 came first (on Elasticsearch the candidates are the best 300 of
the whole query, so a word's share of them says even less). Both engines (Elasticsearch on a
real node)."""

import pytest

from search.backends.base import CANDIDATES
from search.documents import make_entry
from search.query import build_request

from .conftest import engine_with, urls

COMMON, RARE = 1000, 320  # lessons holding 早恋 / 追星 in their text; both above CANDIDATES


def _entry(key, title, body):
    return make_entry(f"rarity-{key}", kind="micro_lesson", url=f"/rarity/{key}/", path="", title=title,
                      summary="", body=body, shelf="", stages=[], taxonomy={"stages": [], "themes": [], "problems": []})


def _entries():
    # The two lessons about each word first (the embedded index orders equal scores by row).
    yield _entry("a-dating", "早恋了怎么办", "孩子有了喜欢的人，家长先别急着反对。")
    yield _entry("b-idols", "孩子追星怎么引导", "喜欢一个明星不是坏事，关键是看他喜欢什么。")
    for i in range(COMMON):
        yield _entry(f"common-{i}", f"第{i}期家长课堂", f"第{i}期：青春期的孩子会遇到早恋的问题，家长要多沟通。")
    for i in range(RARE):
        yield _entry(f"rare-{i}", f"第{i}期班会", f"第{i}期：班里同学追星，讨论怎样理性看待偶像。")


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=[pytest.mark.elasticsearch, pytest.mark.slow])])
def catalogue(request, db):
    yield from engine_with(request, _entries, "rarity")


def test_the_rarer_word_of_the_catalogue_leads(catalogue):
    assert RARE > CANDIDATES  # both words are cut to the candidates: only the true count tells
    found = urls(catalogue.search(build_request("早恋 追星")))
    assert found[0] == "/rarity/b-idols/", found[:5]
    # Each word alone still finds its own lesson first.
    assert urls(catalogue.search(build_request("早恋")))[0] == "/rarity/a-dating/"
    assert urls(catalogue.search(build_request("追星")))[0] == "/rarity/b-idols/"
