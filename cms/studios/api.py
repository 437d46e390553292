"""Public surface of studios and roles (other apps and commands import from here)."""

from django.db import transaction
from django.utils.text import slugify

from cms.catalogue.models import StudioPage
from cms.catalogue.structure import ensure_site, studio_index

from .models import SchoolRole, StudioRole
from .roles import EDITORS, ensure_editors, ensure_roles, ensure_school, ensure_studio, review_workflow

__all__ = [
    "EDITORS", "SchoolRole", "StudioRole", "create_studio", "ensure_editors", "ensure_roles",
    "ensure_school", "ensure_studio", "review_workflow", "schools_of", "studios_of",
]


class StudioExists(Exception):
    """``str()`` is the message for the user."""


@transaction.atomic
def create_studio(name, *, slug=None, introduction="", members=()):
    """Create a studio in one step: its page (published), group, collection and workflow.

    ``members`` are users added to the studio's group. Returns the StudioRole.
    """
    ensure_site()
    slug = slug or slugify(name, allow_unicode=False)
    if not slug:
        raise StudioExists("请用小写英文字母、数字和连字符给工作室起一个网址名(--slug)。")
    index = studio_index()
    if StudioPage.objects.child_of(index).filter(slug=slug).exists():
        raise StudioExists(f"网址名「{slug}」已被另一个工作室使用。")
    if StudioPage.objects.filter(title=name).exists():
        raise StudioExists(f"已经有名为「{name}」的工作室。")
    page = StudioPage(title=name, slug=slug, introduction=introduction or name)
    index.add_child(instance=page)
    page.save_revision().publish()
    role = ensure_studio(page)
    for user in members:
        user.groups.add(role.group)
    return role


def studios_of(user):
    """The StudioRoles whose group ``user`` belongs to."""
    return StudioRole.objects.filter(group__user=user).select_related("studio", "group", "collection")


def schools_of(user):
    """The SchoolRoles whose group ``user`` belongs to."""
    return SchoolRole.objects.filter(group__user=user).select_related("school", "group", "collection")
