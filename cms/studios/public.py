"""What the public may see of the page tree: live, not behind a view restriction, not past its
expiry time (even before ``publish_scheduled`` has run), and not under an unpublished page."""

from django.db.models import Q
from django.utils import timezone


def visible_to_public(pages):
    """``pages`` (a PageQuerySet) limited to pages a parent may see in a listing."""
    return pages.live().public().filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now()))


def is_public(page):
    """A page served at its public URL: the page and every ancestor live, no restriction, not expired."""
    if not page.live or (page.expire_at and page.expire_at <= timezone.now()):
        return False
    if page.get_ancestors().filter(depth__gt=1, live=False).exists():
        return False
    return not page.get_view_restrictions().exists()
