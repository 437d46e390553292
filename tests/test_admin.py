"""The Wagtail admin speaks Chinese to an editor: every snippet and page type opens, shows its
Chinese names and its data, and saving a snippet through the admin works (or says why not)."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from cms.catalogue.models import (
    CoursePage,
    LessonPage,
    MicroLessonPage,
    StudioIndexPage,
    StudioPage,
    SupermarketPage,
)
from cms.taxonomy.models import Problem, Stage, Theme
from cms.topics.models import ResearchTopic, School, TopicBankPage, TopicClaim
from transcoding.models import VideoAsset

pytestmark = pytest.mark.django_db

CHINESE_HTML = '<html lang="zh-hans"'


def page_text(response):
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert CHINESE_HTML in content
    return content


def snippet_url(model, view, *args):
    return reverse(model.snippet_viewset.get_url_name(view), args=args)


def form_data(response, form_id="w-editor-form"):
    """The values the editor's browser would send if they pressed save without changing anything."""
    form = BeautifulSoup(response.content, "html.parser").find("form", id=form_id)
    assert form is not None, f"no <form id={form_id}>"
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            data[name] = field.get_text()
        elif field.name == "select":
            chosen = [o.get("value", o.get_text()) for o in field.find_all("option") if o.has_attr("selected")]
            data[name] = chosen if field.has_attr("multiple") else (chosen[0] if chosen else "")
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif field.get("type") not in ("submit", "button", "file"):
            data[name] = field.get("value", "")
    return data


def menu_labels(response):
    """Every label in the admin sidebar's main menu (Wagtail renders it from a JSON script)."""
    soup = BeautifulSoup(response.content, "html.parser")
    props = json.loads(soup.find("script", id="wagtail-sidebar-props").string)
    labels = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.append(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return labels


# ---- 1. snippets --------------------------------------------------------------------------

SNIPPETS = [
    pytest.param(Stage, "学段", lambda o: [o.name], id="taxonomy.Stage"),
    pytest.param(Theme, "主题", lambda o: [o.name], id="taxonomy.Theme"),
    pytest.param(Problem, "家庭教育问题", lambda o: [o.title, o.code], id="taxonomy.Problem"),
    pytest.param(School, "学校", lambda o: [o.name, o.code], id="topics.School"),
    pytest.param(ResearchTopic, "课题", lambda o: [o.title, o.code], id="topics.ResearchTopic"),
    pytest.param(TopicClaim, "课题认领", lambda o: [o.topic.title, o.school.name], id="topics.TopicClaim"),
    pytest.param(VideoAsset, "视频", lambda o: [o.title], id="transcoding.VideoAsset"),
]


def column_heading(model, name):
    """The Chinese heading a listing column should have: a column's label, the field's verbose name,
    or a method's short_description."""
    if not isinstance(name, str):
        return str(name.label)
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return getattr(model, name).short_description


@pytest.mark.parametrize("model, verbose_name, own_text", SNIPPETS)
def test_snippet_listing_is_in_chinese_and_lists_objects(editor_client, model, verbose_name, own_text):
    assert model._meta.verbose_name == verbose_name
    response = editor_client.get(snippet_url(model, "list"))
    content = page_text(response)
    assert verbose_name in content
    for text in own_text(model.objects.first()):
        assert text in content
    assert ">True<" not in response.content.decode() and ">False<" not in response.content.decode()
    headings = [th.get_text(" ", strip=True) for th in BeautifulSoup(response.content, "html.parser").find_all("th")]
    for name in model.snippet_viewset.list_display:
        assert any(column_heading(model, name) in heading for heading in headings), (name, headings)


@pytest.mark.parametrize("model, verbose_name, own_text", SNIPPETS)
def test_snippet_add_form_is_in_chinese(editor_client, model, verbose_name, own_text):
    content = page_text(editor_client.get(snippet_url(model, "add")))
    assert verbose_name in content
    # every editable field is labelled with its Chinese verbose name
    for field in model._meta.get_fields():
        if getattr(field, "editable", False) and not field.auto_created and getattr(field, "verbose_name", None):
            assert str(field.verbose_name) in content, field.name


@pytest.mark.parametrize("model, verbose_name, own_text", SNIPPETS)
def test_snippet_edit_form_shows_the_object(editor_client, model, verbose_name, own_text):
    obj = model.objects.first()
    content = page_text(editor_client.get(snippet_url(model, "edit", obj.pk)))
    assert verbose_name in content
    for text in own_text(obj):
        assert text in content


# ---- 2. pages -----------------------------------------------------------------------------

PAGE_TYPES = [
    pytest.param(SupermarketPage, id="catalogue.SupermarketPage"),
    pytest.param(StudioIndexPage, id="catalogue.StudioIndexPage"),
    pytest.param(StudioPage, id="catalogue.StudioPage"),
    pytest.param(CoursePage, id="catalogue.CoursePage"),
    pytest.param(LessonPage, id="catalogue.LessonPage"),
    pytest.param(MicroLessonPage, id="catalogue.MicroLessonPage"),
    pytest.param(TopicBankPage, id="topics.TopicBankPage"),
]


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_edit_view_is_in_chinese_and_shows_the_page(editor_client, page_type):
    page = page_type.objects.live().first()
    assert page is not None, "the demo catalogue has a live page of every type"
    content = page_text(editor_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])))
    assert page.title in content
    assert str(page_type._meta.verbose_name) in content


ADDABLE = [
    pytest.param(StudioPage, StudioIndexPage, ["名师工作室", "工作室简介", "成员"], id="catalogue.StudioPage"),
    pytest.param(CoursePage, StudioPage, ["家长课程", "上架分类", "学段", "主题", "家庭教育问题", "课程介绍", "封面图"],
                 id="catalogue.CoursePage"),
    pytest.param(MicroLessonPage, StudioPage, ["微课", "逐字稿", "视频", "上架分类", "学段"], id="catalogue.MicroLessonPage"),
    pytest.param(LessonPage, CoursePage, ["五步教学法课", "五步教学法", "简介"], id="catalogue.LessonPage"),
]


@pytest.mark.parametrize("page_type, parent_type, labels", ADDABLE)
def test_page_add_view_shows_chinese_field_labels(editor_client, page_type, parent_type, labels):
    parent = parent_type.objects.live().first()
    url = reverse("wagtailadmin_pages:add", args=(page_type._meta.app_label, page_type._meta.model_name, parent.pk))
    content = page_text(editor_client.get(url))
    for label in labels:
        assert label in content, label


# ---- 3. dashboard, explorer, menu ---------------------------------------------------------

def admin_home():
    return reverse("wagtailadmin_home")


def studio_explorer():
    return reverse("wagtailadmin_explore", args=[StudioIndexPage.objects.get().pk])


@pytest.mark.parametrize("url", [admin_home, studio_explorer], ids=["dashboard", "explorer"])
def test_dashboard_and_explorer_are_in_chinese_with_the_project_menu(editor_client, url):
    response = editor_client.get(url())
    page_text(response)
    labels = menu_labels(response)
    for label in ("课程分类", "课题库", "视频", "学段", "主题", "家庭教育问题", "课题", "课题认领", "学校"):
        assert label in labels, (label, labels)


def test_the_explorer_lists_the_studios(editor_client):
    content = page_text(editor_client.get(studio_explorer()))
    assert StudioIndexPage.objects.get().title in content
    for studio in StudioPage.objects.live():
        assert studio.title in content


# ---- 4. anonymous visitors ----------------------------------------------------------------

ANONYMOUS_URLS = [
    pytest.param(admin_home, id="dashboard"),
    pytest.param(studio_explorer, id="explorer"),
    pytest.param(lambda: snippet_url(Problem, "list"), id="problem-list"),
    pytest.param(lambda: snippet_url(TopicClaim, "add"), id="claim-add"),
    pytest.param(lambda: snippet_url(ResearchTopic, "edit", ResearchTopic.objects.first().pk), id="topic-edit"),
    pytest.param(lambda: reverse("wagtailadmin_pages:edit", args=[LessonPage.objects.first().pk]), id="lesson-edit"),
]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    target = url()
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert "next=" in response["Location"]


# ---- 5. saving snippets -------------------------------------------------------------------

def test_editing_a_problem_title_saves_it(editor_client):
    problem = Problem.objects.filter(stages__isnull=False).first()
    shelves = (problem.theme_id, set(problem.stages.all()))
    url = snippet_url(Problem, "edit", problem.pk)
    data = form_data(editor_client.get(url))
    assert data["title"] == problem.title
    data["title"] = "孩子回家后不愿说话"
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    problem.refresh_from_db()
    assert problem.title == "孩子回家后不愿说话"
    assert (problem.theme_id, set(problem.stages.all())) == shelves  # nothing else was lost
    # back on the listing, the editor is told in Chinese what was saved
    listing = editor_client.get(response["Location"])
    page_text(listing)
    messages = " ".join(li.get_text(" ", strip=True) for li in BeautifulSoup(listing.content, "html.parser").select("li.success"))
    assert f"家庭教育问题 '{problem.code} 孩子回家后不愿说话' 已更新。" in messages


def test_max_claims_below_active_claims_is_refused_in_chinese(editor_client):
    topic = next(t for t in ResearchTopic.objects.order_by("code") if t.active_claims().count() >= 2)
    active, before = topic.active_claims().count(), topic.max_claims
    url = snippet_url(ResearchTopic, "edit", topic.pk)
    data = form_data(editor_client.get(url))
    assert data["max_claims"] == str(before)
    data["max_claims"] = str(active - 1)
    response = editor_client.post(url, data)
    page_text(response)
    soup = BeautifulSoup(response.content, "html.parser")
    assert "课题无法保存" in " ".join(li.get_text() for li in soup.select("li.error"))
    field = soup.find(id="id_max_claims").find_parent(attrs={"data-field-wrapper": True})
    assert f"已有 {active} 所学校认领,最多认领学校数不能小于这个数。" in field.get_text()
    topic.refresh_from_db()
    assert topic.max_claims == before


def test_default_groups_and_review_workflow_have_chinese_names(editor_client):
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow

    assert {"编辑", "审核员"} <= set(Group.objects.values_list("name", flat=True))
    assert Workflow.objects.filter(name="审核员审批", active=True).exists()
    lesson = LessonPage.objects.live().first()
    content = editor_client.get(reverse("wagtailadmin_pages:edit", args=(lesson.pk,))).content.decode()
    assert "Moderators approval" not in content
    assert "- Wagtail</title>" not in content
