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
