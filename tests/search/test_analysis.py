"""The shared Chinese analysis: same segmentation at index and query time, synonyms, filler words."""

from search.analysis import expand_synonyms, index_text, query_terms, segment_for_index, segment_query


def test_search_mode_keeps_compound_and_its_parts():
    tokens = segment_for_index("孩子沉迷手机游戏，还爱刷短视频")
    assert {"手机游戏", "手机", "游戏", "短视频"} <= set(tokens)


def test_user_dictionary_words_stay_whole_in_queries():
    assert segment_query("隔代教育观念冲突")[0] == "隔代教育"
    assert "校园欺凌" in segment_query("校园欺凌怎么处理")
    assert "幼小衔接" in segment_query("幼小衔接焦虑")


def test_filler_words_are_dropped_from_queries():
    # Filler words go; a meaningful single character stays, as an optional concept.
    assert segment_query("孩子总是玩手机怎么办") == ["玩", "手机"]
    concepts = query_terms("孩子总是玩手机怎么办").concepts
    assert [(c.word, c.optional) for c in concepts] == [("玩", True), ("手机", False)]
    assert segment_query("如何") == []


def test_synonyms_expand_both_ways():
    assert "逆反" in expand_synonyms(["叛逆"])[0]
    assert "叛逆" in expand_synonyms(["逆反"])[0]
    assert "厌学" in query_terms("拒学").groups[0]


def test_full_width_and_case_are_folded_the_same_on_both_sides():
    assert segment_query("ＡＰＰ 青春期") == ["app", "青春期"]
    assert "app" in index_text("孩子用APP学习").split()


def test_query_syntax_characters_are_not_tokens():
    assert segment_query('"*()') == []
    assert query_terms("").groups == ()
