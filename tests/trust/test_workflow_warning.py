"""An approval in a workflow (批准并发布) says the parent site is behind, exactly as a direct
publish does, when the site's publish is failing."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from cms.catalogue.models import LessonPage
from cms.publishing import release
from cms.publishing.api import publish, publish_status

from .test_convergence import read_only

pytestmark = pytest.mark.django_db
BEHIND = "注意:家长网站还没有更新到最新。家长网站落后"


def review_workflow(page, editor):
    group = Group.objects.create(name="审核测试组")
    editor.groups.add(group)
    task = GroupApprovalTask.objects.create(name="内容审核")
    task.groups.set([group])
    workflow = Workflow.objects.create(name="家长课审核")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=page.get_parent())
    return workflow


@pytest.mark.parametrize("modal", [False, True], ids=["button", "modal"])
def test_a_workflow_approval_while_the_site_is_behind_says_so(
        modal, settings, tmp_path, editor, editor_client, django_capture_on_commit_callbacks):
    settings.SITE_AUTO_PUBLISH = True
    settings.SITE_OUTPUT_DIR = out = tmp_path / "site"
    settings.GONGYU_PUBLISH_RETRY_SECONDS = 0
    publish(out)
    lessons = list(LessonPage.objects.live().order_by("path"))
    broken, reviewed = lessons[3], lessons[5]
    workflow = review_workflow(reviewed, editor)

    reviewed.title = "等待审核的新标题"
    revision = reviewed.save_revision(user=editor)
    state = workflow.start(reviewed, editor)
    assert revision and state.current_task_state is not None

    with read_only(release.releases_dir(out)):
        with django_capture_on_commit_callbacks(execute=True):   # a publish that fails
            broken.title = "发布失败期间改的标题"
            broken.save_revision().publish()
        assert publish_status()["failing_since"] is not None

        url = f"/admin/pages/workflow/action/{reviewed.pk}/approve/{state.current_task_state.pk}/"
        headers = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"} if modal else {}
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(url, {"comment": ""}, **headers)
        assert response.status_code in (200, 302), response.content.decode()[:500]
        reviewed.refresh_from_db()
        assert reviewed.live and reviewed.title == "等待审核的新标题"     # approved and published
        page = editor_client.get(f"/admin/pages/{reviewed.pk}/edit/").content.decode()
        assert BEHIND in page

    # With the site caught up, an approval says nothing of the kind.
    from cms.core import periodic

    with django_capture_on_commit_callbacks(execute=True):
        periodic.run_due(force=True)
    assert publish_status()["failing_since"] is None
    reviewed.title = "第二次审核的标题"
    reviewed.save_revision(user=editor)
    state = workflow.start(reviewed, editor)
    url = f"/admin/pages/workflow/action/{reviewed.pk}/approve/{state.current_task_state.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, {"comment": ""})
    assert BEHIND not in editor_client.get(f"/admin/pages/{reviewed.pk}/edit/").content.decode()
