"""What Pagefind indexes of a page (``searchindex.search_copy``): everything a search ranks or
shows — title, metadata, filters, weighted problem and synonym terms, lead — whole, and of the
running text only the first ``TEXT_BUDGET`` characters (issue 17: a first search's bytes)."""

import re

from cms.publishing.searchindex import TEXT_BUDGET, search_copy

PAGE = """<!doctype html><html lang="zh"><head><title>标题</title></head><body><nav>首页 · 课程</nav>
<div data-pagefind-body>
<h1>孩子沉迷手机怎么办</h1>
<span hidden data-pagefind-meta="kind">lesson</span>
<span hidden data-pagefind-meta="summary">{summary}</span>
<span hidden data-pagefind-filter="学段">初中</span>
<div hidden data-pagefind-weight="6">沉迷手机</div>
<div hidden data-pagefind-weight="4">手机 沉迷 上瘾 成瘾</div>
<p class="gy-lead">{summary}</p>
<section><h2>第 1 步 视频导入</h2><p>{body}</p></section>
<section><h2>第 2 步 现场研讨</h2><p>{tail}</p></section>
</div><footer>页脚</footer></body></html>"""


def text_of(html):
    return re.sub(r"<[^>]+>", "", html)


def test_ranked_and_shown_parts_are_whole_and_the_running_text_is_cut():
    summary = "家长先听孩子说完。" * 20   # longer than the budget on its own
    body = "约定好时间再开始玩。" * 100
    html = PAGE.format(summary=summary, body=body, tail="番茄钟" * 50)
    copy = search_copy(html)
    text = text_of(copy)
    for whole in ("孩子沉迷手机怎么办", "lesson", "初中", "沉迷手机", "手机 沉迷 上瘾 成瘾"):
        assert whole in text
    assert text.count(summary) == 2   # the summary metadata and the lead
    # Running text: headings and paragraphs share the budget, in page order.
    running = text.split(summary)[-1]
    assert TEXT_BUDGET - 20 <= len(re.sub(r"\s", "", running)) <= TEXT_BUDGET
    assert "第 1 步 视频导入" in running and "番茄钟" not in running
    # Every tag is kept (Pagefind still sees the same elements and attributes).
    assert re.findall(r"<[^>]+>", copy) == re.findall(r"<[^>]+>", html)


def test_a_short_page_is_indexed_as_it_is_and_a_page_without_search_body_untouched():
    html = PAGE.format(summary="短。", body="很短的正文。", tail="番茄钟")
    assert search_copy(html) == html
    plain = "<html><body><p>" + "字" * 5000 + "</p></body></html>"
    assert search_copy(plain) == plain


def test_the_word_list_goes_out_by_first_character(tmp_path):
    import json

    from cms.publishing.searchindex import WORD_BUCKETS, write_site_json

    words = ["手机", "沉迷", "番茄钟", "多动症"]
    general = ["今天", "天气", "手机"]   # 手机 is the site's own word: listed once, as the site's
    write_site_json(tmp_path, [0], {"words": words, "general": general, "stopwords": ["的"], "synonyms": []}, [])
    site = json.loads((tmp_path / "pagefind" / "site.json").read_text(encoding="utf-8"))
    assert "words" not in site["vocabulary"] and "general" not in site["vocabulary"]
    assert site["vocabulary"]["buckets"] == WORD_BUCKETS
    assert site["vocabulary"]["stopwords"] == ["的"] and site["shards"] == ["/pagefind/s0/"]
    found = {"w": [], "g": []}
    for n in range(WORD_BUCKETS):
        bucket = json.loads((tmp_path / "pagefind" / "words" / f"{n}.json").read_text(encoding="utf-8"))
        for kind in ("w", "g"):
            assert all(ord(w[0]) % WORD_BUCKETS == n for w in bucket[kind])
            found[kind] += bucket[kind]
    assert sorted(found["w"]) == sorted(words) and sorted(found["g"]) == ["今天", "天气"]


def test_everyday_words_are_known_to_the_browser_segmenter():
    from cms.publishing.vocabulary import GENERAL_WORDS, general_words

    words = general_words()
    assert len(words) == GENERAL_WORDS and {"今天", "天气", "做法"} <= set(words)
    assert all(2 <= len(w) <= 4 for w in words)
