"""The admin's page-create view without autosave on the first save.

Wagtail 8 autosaves a new page half a second after the first change and then moves the form to
the page's edit address. A teacher who presses 保存草稿 while that first autosave is still on its
way posts the create form a second time, and gets two drafts of the same lesson (seen on a busy
server). Until a page exists there is nothing to lose by waiting for the explicit save, so the
create form does not autosave; once saved, the edit form autosaves as Wagtail intends.
"""

from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.urls import display_custom_404
from wagtail.admin.views.pages.create import CreateView


class CreatePageView(CreateView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["autosave_enabled"] = False
        return context


# Wrapped as Wagtail wraps its own admin routes (admin access, custom 404, no caching).
create_page = never_cache(display_custom_404(require_admin_access(CreatePageView.as_view())))
