"""What a studio member may see of pages outside their own studio in the admin.

Wagtail already limits the explorer, search, edit, preview, revisions and history to pages the
user has permissions on. Its page chooser, though, lists every page in the tree (with draft
titles), and ``choose-page/<id>/`` and ``choose-page/chosen-multiple/?id=`` answer for any id.
Here the chooser is limited to the user's own subtrees plus pages that are public as they stand
(live, no unpublished changes, no view restriction).
"""

from functools import reduce
from operator import or_

from django.db.models import Q
from wagtail.models import GroupPagePermission, Page, PageViewRestriction


def own_roots(user):
    """Pages the user has any permission on (the top of each subtree they work in)."""
    return Page.objects.filter(
        pk__in=GroupPagePermission.objects.filter(group__user=user).values("page")
    )


def sees_every_page(user):
    return user.is_superuser or own_roots(user).filter(depth=1).exists()


def _under(paths):
    return reduce(or_, (Q(path__startswith=path) for path in paths), Q(pk__in=[]))


def choosable_pages(user, pages=None):
    """``pages`` (default: all) limited to what ``user`` may see in a chooser."""
    pages = Page.objects.all() if pages is None else pages
    if sees_every_page(user):
        return pages
    restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
    public = Q(live=True, has_unpublished_changes=False) & ~_under(restricted)
    own = _under(own_roots(user).values_list("path", flat=True))
    # Filter by id (a filter field of the search index too, so chooser search works).
    return pages.filter(pk__in=Page.objects.filter(public | own | Q(depth=1)).values("pk"))


def may_choose(user, page_ids):
    ids = {int(i) for i in page_ids if str(i).isdigit()}
    return choosable_pages(user, Page.objects.filter(pk__in=ids)).count() == len(ids)


# --- Every admin object, not only pages -------------------------------------------------------
#
# Who may see an object's title anywhere in the admin (listings, choosers, bulk-action pages,
# flash messages): pages as above (own subtree or public as they stand); videos, images and
# documents in a collection the user has any permission on; other models (snippets, users,
# groups, sites, workflows) only if the user has a permission on the model itself.

MEDIA_ACTIONS = ["add", "change", "delete", "choose"]
MODEL_ACTIONS = ["add", "change", "delete", "view"]


def _policy(model):
    from wagtail.permissions import policy_registry

    try:
        return policy_registry.get_by_type(model)
    except (KeyError, LookupError):
        return None


def visible(user, model, queryset=None):
    """``queryset`` (default: every ``model``) limited to what ``user`` may see in the admin."""
    queryset = model._default_manager.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    if issubclass(model, Page):
        return choosable_pages(user, queryset)
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    from wagtail.permission_policies.collections import CollectionPermissionLookupMixin

    policy = _policy(model)
    if isinstance(policy, CollectionPermissionLookupMixin):
        return queryset.filter(pk__in=policy.instances_user_has_any_permission_for(user, MEDIA_ACTIONS).values("pk"))
    codenames = [f"{model._meta.app_label}.{action}_{model._meta.model_name}" for action in MODEL_ACTIONS]
    if any(user.has_perm(codename) for codename in codenames):
        return queryset
    return queryset.none()


def may_list(user, model):
    """True when ``user`` may open ``model``'s chooser listing: collection-scoped models (videos,
    images, documents) and pages are filtered per object by their own views; any other model
    needs a permission on the model itself."""
    if user.is_superuser or issubclass(model, Page):
        return True
    from wagtail.permission_policies.collections import CollectionPermissionLookupMixin

    if isinstance(_policy(model), CollectionPermissionLookupMixin):
        return True
    return any(user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}") for action in MODEL_ACTIONS)


def clean_ids(ids):
    return {int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19}


def may_see(user, model, ids):
    """True when every existing object of ``model`` with one of ``ids`` is visible to ``user``
    (ids of objects that do not exist are left to the view, which answers 404)."""
    ids = clean_ids(ids)
    if not ids:
        return True
    existing = model._default_manager.filter(pk__in=ids)
    return visible(user, model, existing).count() == existing.count()
