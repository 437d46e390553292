"""Roles, the create-studio command and the review workflow, driven through the admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from wagtail.models import (
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    PageLogEntry,
    WorkflowPage,
)

from cms.catalogue.models import CoursePage, LessonPage, StudioPage
from cms.studios.api import SchoolRole, StudioRole, ensure_roles
from cms.studios.roles import REVIEW_WORKFLOW
from tests.lesson_forms import lesson_form
from tests.security.roles import PASSWORD, studio_video
from transcoding.api import VideoAsset

STEPS = ["video_intro", "discussion", "summary", "homework", "extension"]


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_the_demo_import_gives_every_studio_and_school_a_role():
    assert StudioRole.objects.count() == StudioPage.objects.count() == 4
    assert SchoolRole.objects.count() == 16
    for role in StudioRole.objects.all():
        assert role.group.name == f"工作室成员·{role.studio.title}"
        perms = set(GroupPagePermission.objects.filter(group=role.group).values_list("page_id", "permission__codename"))
        assert perms == {(role.studio.pk, "add_page"), (role.studio.pk, "change_page")}  # no publishing
        assert set(GroupCollectionPermission.objects.filter(group=role.group).values_list("collection_id", flat=True)) == {role.collection_id}
        assert VideoAsset.objects.filter(collection=role.collection).exists()  # the demo's videos are filed there
        restriction = CollectionViewRestriction.objects.get(collection=role.collection)
        assert set(restriction.groups.values_list("name", flat=True)) == {role.group.name, "编辑"}
        assert WorkflowPage.objects.get(page=role.studio).workflow.name == REVIEW_WORKFLOW
    school = SchoolRole.objects.get(school__code="S001")
    assert school.group.name == "学校管理员·澄河市实验幼儿园"
    assert school.collection.get_parent().name == "学校"


@pytest.mark.django_db
def test_setting_up_roles_again_changes_nothing():
    counts = lambda: (Group.objects.count(), GroupPagePermission.objects.count(),  # noqa: E731
                      GroupCollectionPermission.objects.count(), CollectionViewRestriction.objects.count())
    before = counts()
    ensure_roles()
    call_command("setup_roles", stdout=open("/dev/null", "w"))
    assert counts() == before


@pytest.mark.django_db
def test_create_studio_makes_page_group_collection_and_workflow_in_one_step(django_user_model, capsys):
    teacher = django_user_model.objects.create_user("wang", "", PASSWORD)
    call_command("create_studio", "王芳劳动教育工作室", slug="wangfang-labor", introduction="劳动教育", member=["wang"])
    role = StudioRole.objects.get(studio__slug="wangfang-labor")
    assert role.studio.live and role.studio.url_path.endswith("/studios/wangfang-labor/")
    assert list(teacher.groups.all()) == [role.group]
    assert role.collection.name == "王芳劳动教育工作室"
    assert WorkflowPage.objects.get(page=role.studio).workflow.name == REVIEW_WORKFLOW
    assert "已创建工作室「王芳劳动教育工作室」" in capsys.readouterr().out
    with pytest.raises(CommandError, match="网址名「wangfang-labor」已被另一个工作室使用"):
        call_command("create_studio", "另一个工作室", slug="wangfang-labor")
    with pytest.raises(CommandError, match="没有用户「nobody」"):
        call_command("create_studio", "新工作室", slug="new-one", member=["nobody"])


def submit_new_lesson(client, course, title, slug):
    video = studio_video(course.studio.role)
    url = reverse("wagtailadmin_pages:add", args=("catalogue", "lessonpage", course.pk))
    data = lesson_form(title, slug, STEPS, video.pk, publish=False)
    data.pop("action-draft")
    data["action-submit"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return LessonPage.objects.get(slug=slug)


def course_of(role):
    return CoursePage.objects.descendant_of(role.studio).first()


@pytest.mark.django_db
def test_a_teacher_submits_an_editor_approves_and_the_history_is_kept(client, teacher_a, editor_user, studio_a):
    course = course_of(studio_a)
    lesson = submit_new_lesson(login(client, teacher_a), course, "倾听的力量(送审)", "listening-review")
    assert not lesson.live
    state = lesson.current_workflow_state
    assert state.workflow.name == REVIEW_WORKFLOW and state.status == "in_progress"
    # A teacher cannot publish: the publish button does nothing for them.
    data = lesson_form("倾听的力量(自己发布)", "listening-review", STEPS, studio_video(studio_a).pk, publish=True)
    client.post(reverse("wagtailadmin_pages:edit", args=(lesson.pk,)), data)
    lesson.refresh_from_db()
    assert not lesson.live

    client.logout()
    login(client, editor_user)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert lesson.get_admin_display_title() in dashboard
    task_state = lesson.current_workflow_task_state
    response = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(lesson.pk, "approve", task_state.pk)),
        {"comment": "内容很好,同意发布。"},
    )
    assert response.status_code in (200, 302)
    lesson.refresh_from_db()
    assert lesson.live
    actions = list(PageLogEntry.objects.filter(page=lesson).order_by("timestamp", "pk").values_list("action", "user__username"))
    assert ("wagtail.workflow.start", "teacher_a") in actions
    assert ("wagtail.workflow.approve", "editor_user") in actions
    assert any(action == "wagtail.publish" for action, _ in actions)


@pytest.mark.django_db
def test_an_editor_asks_for_changes_with_a_comment(client, teacher_a, editor_user, studio_a):
    lesson = submit_new_lesson(login(client, teacher_a), course_of(studio_a), "青春期沟通(送审)", "teen-review")
    client.logout()
    login(client, editor_user)
    task_state = lesson.current_workflow_task_state
    client.post(reverse("wagtailadmin_pages:workflow_action", args=(lesson.pk, "reject", task_state.pk)),
                {"comment": "请补充一个家庭作业的例子。"})
    lesson.refresh_from_db()
    task_state.refresh_from_db()
    assert not lesson.live
    assert task_state.status == "rejected" and task_state.comment == "请补充一个家庭作业的例子。"
    client.logout()
    login(client, teacher_a)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(lesson.pk,))).content.decode()
    assert "请补充一个家庭作业的例子。" in edit
