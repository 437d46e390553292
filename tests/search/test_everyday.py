"""An everyday word of the question (天天, 不管, 觉得) does not pull lessons above the ones holding
the word the parent meant (王者, 爸爸, 没意思): each query word counts by how telling it is in
general Chinese (``search.analysis.informativeness``), the same on both engines (Elasticsearch
on a real node)."""


import pytest

from search.analysis import informativeness
from search.documents import make_entry
from search.query import build_request

from .conftest import engine_with, urls

# Each everyday word is in the title of ONE lesson, while the telling word is in the text of three:
# by this catalogue's rarity alone the everyday word is the rarer one and its lesson came first
# (the situation of a small catalogue, or of a word the catalogue happens to use little).
LESSONS = {
    "fights": ("兄弟俩天天打架", "兄弟俩一见面就打，家长当裁判也没用。"),
    "games-1": ("网络游戏的家长指南", "放学回家就玩王者，一局接一局。和孩子约定游戏时间。"),
    "games-2": ("周末游戏时间怎么定", "周末想玩王者，先把作业写完，再约定一局。"),
    "games-3": ("手游充值要管住", "玩王者买皮肤，家长要管好支付密码。"),
    "rules": ("规矩定了家长不管", "规矩定了不执行，规矩就成了空话。"),
    "father-1": ("父亲参与：爸爸在家庭教育中的角色", "爸爸陪伴孩子的时间少，妈妈一个人带娃。"),
    "father-2": ("爸爸陪玩的力量", "爸爸陪孩子踢球、搭积木，孩子更自信。"),
    "father-3": ("下班后的爸爸", "爸爸下班回家先陪孩子十分钟。"),
    "upset": ("孩子觉得委屈", "被老师批评后，孩子回家哭了。"),
    "bored-1": ("孩子说学习没意思", "上课没意思，作业也没意思，怎么找回兴趣。"),
    "bored-2": ("兴趣班没意思了", "学了半年钢琴，说没意思不想去了。"),
    "bored-3": ("放假在家没意思", "放假在家说没意思，带孩子出去走走。"),
}
FILLER = [("天气" + str(i), "今天的天气，明天的天气，出门带伞。") for i in range(20)]


def _entries():
    for key, (title, body) in [*LESSONS.items(), *((f"f{i}", t) for i, t in enumerate(FILLER))]:
        yield make_entry(f"everyday-{key}", kind="micro_lesson", url=f"/everyday/{key}/", path="",
                         title=title, summary="", body=body, shelf="", stages=[],
                         taxonomy={"stages": [], "themes": [], "problems": []})


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=[pytest.mark.elasticsearch, pytest.mark.slow])])
def lessons(request, db):
    yield from engine_with(request, _entries, "everyday")


def test_everyday_words_count_less_than_telling_ones():
    assert informativeness("天天") < informativeness("王者") == 1.0
    assert informativeness("不管") < informativeness("爸爸")
    assert informativeness("觉得") < informativeness("没意思")
    assert informativeness("影响") == informativeness("总是") == informativeness("时间")  # the floor
    assert informativeness("影响") > 0  # counted, never dropped


@pytest.mark.parametrize(("q", "telling"), [("天天打王者", "games"), ("爸爸不管孩子", "father"), ("孩子觉得没意思", "bored")])
def test_the_telling_word_leads(lessons, q, telling):
    """The three lessons holding the telling word come before the one whose title has the everyday
    word (which is still found, below them)."""
    found = urls(lessons.search(build_request(q)))
    assert {u.split("/")[2].rsplit("-", 1)[0] for u in found[:3]} == {telling}
    assert len(found) > 3
