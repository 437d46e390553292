"""The strings the roles met in English or oddly, now in natural Chinese."""

import json

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Page

pytestmark = pytest.mark.django_db


def test_search_results_count_pages_not_none(editor_client):
    page = editor_client.get(reverse("wagtailadmin_pages:search") + "?q=孩子").content.decode()
    text = BeautifulSoup(page, "html.parser").get_text(" ")
    assert "None" not in text
    assert "个页面，当前显示第" in text


def test_the_tree_root_is_named_and_explained_in_chinese(editor_client):
    root = Page.objects.get(depth=1)
    assert root.title == "全部站点"
    page = editor_client.get(reverse("wagtailadmin_explore", args=(root.pk,))).content.decode()
    assert "这里是页面树的最上层。课程、微课和课题都在「家长课程超市」之下:请点开它再添加页面。" in page
    assert "root level" not in page and "Root" not in page


def test_the_editor_javascript_speaks_chinese(editor_client):
    catalog = editor_client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    for chinese in ("插入内容块", "(此菜单中有 %(number)s 个新项目)", "修改已自动保存。"):
        assert chinese in catalog or json.dumps(chinese)[1:-1] in catalog, chinese


def test_approve_and_publish_reads_as_one_phrase():
    with translation.override("zh-hans"):
        assert gettext("%(label)s and Publish") % {"label": "批准"} == "批准并发布"
