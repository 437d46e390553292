from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


@hooks.register("register_admin_urls")
def account_urls():
    return [
        path("accounts/import/", views.import_view, name="accounts_import"),
        path("accounts/import/template.<str:kind>", views.template_view, name="accounts_import_template"),
    ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return views.allowed(request.user)


@hooks.register("register_settings_menu_item")
def import_menu_item():
    return ImportMenuItem("批量导入账号", reverse("accounts_import"), icon_name="group", order=610)
