"""The admin never says 已经发布 alone while the parent site is behind: after every page action
that changes what parents see, a warning says so when the site's publish (or the search
index) is failing, with the Chinese reason and when it will be retried."""

from django.contrib import messages
from wagtail import hooks


def warn_if_behind(request, page=None):
    from .api import publish_status

    state = publish_status()
    if state["failing_since"] is not None:
        messages.warning(request, "注意:家长网站还没有更新到最新。" + state["summary"])


for _hook in ("after_publish_page", "after_create_page", "after_edit_page", "after_unpublish_page",
              "after_move_page", "after_delete_page"):
    hooks.register(_hook, warn_if_behind)
