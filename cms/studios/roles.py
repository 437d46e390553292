"""Roles as Wagtail groups: 编辑, one 工作室成员 group per studio, one 学校管理员 group per school.

Everything here is idempotent: calling ``ensure_roles()`` again (after each curriculum import,
from ``manage.py setup_roles``) adds what is missing and changes nothing else.

- 编辑 (editors): every page (add, edit, publish, delete, lock), every collection's media, the
  topic bank, the taxonomy, and approving studio work.
- 工作室成员·<studio>: add and edit pages under the studio's page only (no publishing: their
  work goes through the review workflow); add, edit and choose images, documents and videos
  in the studio's collection only. Documents there can be downloaded only by the studio and editors.
- 学校管理员·<school>: claim topics and move the school's claims (``claims_admin``); upload
  documents into the school's collection only, downloadable only by the school and editors.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.catalogue.models import StudioPage
from cms.topics.models import School, TopicClaim

from .models import SchoolRole, StudioRole

EDITORS = "编辑"
STUDIO_GROUP_PREFIX = "工作室成员·"
SCHOOL_GROUP_PREFIX = "学校管理员·"
SCHOOLS_COLLECTION = "学校"
REVIEW_WORKFLOW = "名师工作室审核"
REVIEW_TASK = "编辑审核"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"]
STUDIO_PAGE_PERMISSIONS = ["add_page", "change_page"]
MEDIA_ACTIONS = {
    "wagtailimages.image": ["add", "change", "delete", "choose"],
    "wagtaildocs.document": ["add", "change", "delete", "choose"],
    "transcoding.videoasset": ["add", "change", "delete", "choose"],
}
STUDIO_MEDIA_ACTIONS = {
    "wagtailimages.image": ["add", "change", "choose"],
    "wagtaildocs.document": ["add", "change", "choose"],
    "transcoding.videoasset": ["add", "change", "delete", "choose"],
}
SCHOOL_MEDIA_ACTIONS = {"wagtaildocs.document": ["add", "change", "choose"]}
EDITOR_MODEL_APPS = ["topics", "taxonomy", "engagement"]   # engagement: 本周家长课 schedule, 问卷


def permissions(model_label, actions):
    """The Permission rows ``<action>_<model>`` that exist (a model may lack e.g. ``choose``)."""
    app_label, model = model_label.split(".")
    content_type = ContentType.objects.get_by_natural_key(app_label, model)
    codenames = [f"{action}_{model}" for action in actions]
    return list(Permission.objects.filter(content_type=content_type, codename__in=codenames))


def access_admin():
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def page_permission(codename):
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


def grant_pages(group, page, codenames):
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=page_permission(codename))


def grant_collection(group, collection, actions_by_model):
    for model_label, actions in actions_by_model.items():
        for permission in permissions(model_label, actions):
            GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)


def restrict_downloads(collection, groups):
    """Documents in ``collection`` are served only to members of ``groups`` (and superusers)."""
    restriction = CollectionViewRestriction.objects.filter(collection=collection).first()
    if restriction is None:
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
    elif restriction.restriction_type != CollectionViewRestriction.GROUPS:
        restriction.restriction_type = CollectionViewRestriction.GROUPS
        restriction.save()
    restriction.groups.add(*groups)


def child_collection(parent, name):
    existing = parent.get_children().filter(name=name).first()
    return existing or parent.add_child(name=name)


def group_name(prefix, name):
    return (prefix + name)[:150]


@transaction.atomic
def ensure_editors():
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(access_admin())
    for app_label in EDITOR_MODEL_APPS:
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label))
    grant_pages(group, Page.get_first_root_node(), EDITOR_PAGE_PERMISSIONS)
    grant_collection(group, Collection.get_first_root_node(), MEDIA_ACTIONS)
    return group


@transaction.atomic
def review_workflow():
    """The workflow every studio's subtree goes through: one approval by an editor."""
    editors = ensure_editors()
    workflow, _ = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK)
    task.groups.add(editors)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0})
    return workflow


@transaction.atomic
def ensure_studio(studio):
    """The studio's group, collection, permissions and review workflow; returns its StudioRole."""
    studio = studio.specific
    editors = ensure_editors()
    role = StudioRole.objects.filter(studio=studio).select_related("group", "collection").first()
    if role is None:
        group, _ = Group.objects.get_or_create(name=group_name(STUDIO_GROUP_PREFIX, studio.title))
        # The curriculum importer files a studio's videos in a collection named after it.
        collection = child_collection(Collection.get_first_root_node(), studio.title)
        role = StudioRole.objects.create(studio=studio, group=group, collection=collection)
    role.group.permissions.add(access_admin())
    grant_pages(role.group, studio, STUDIO_PAGE_PERMISSIONS)
    grant_collection(role.group, role.collection, STUDIO_MEDIA_ACTIONS)
    restrict_downloads(role.collection, [role.group, editors])
    WorkflowPage.objects.update_or_create(page=studio, defaults={"workflow": review_workflow()})
    return role


@transaction.atomic
def ensure_school(school):
    editors = ensure_editors()
    role = SchoolRole.objects.filter(school=school).select_related("group", "collection").first()
    if role is None:
        group, _ = Group.objects.get_or_create(name=group_name(SCHOOL_GROUP_PREFIX, school.name))
        parent = child_collection(Collection.get_first_root_node(), SCHOOLS_COLLECTION)
        collection = child_collection(parent, school.name)
        role = SchoolRole.objects.create(school=school, group=group, collection=collection)
    role.group.permissions.add(access_admin())
    grant_collection(role.group, role.collection, SCHOOL_MEDIA_ACTIONS)
    restrict_downloads(role.collection, [role.group, editors])
    file_claim_reports(role)
    return role


def file_claim_reports(role):
    """Claim reports are documents in the school's own collection (never public)."""
    for claim in TopicClaim.objects.filter(school=role.school, report__isnull=False).select_related("report"):
        if claim.report.collection_id != role.collection_id:
            claim.report.collection = role.collection
            claim.report.save(update_fields=["collection"])


@transaction.atomic
def ensure_roles():
    """Roles for every studio and school in the database."""
    ensure_editors()
    review_workflow()
    studios = [ensure_studio(studio) for studio in StudioPage.objects.all()]
    schools = [ensure_school(school) for school in School.objects.all()]
    return studios, schools
