"""批量导入账号 in the admin: upload a filled template, see every problem or the new users'
one-time set-password links (shown once, on this page only)."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from .importer import MAX_BYTES, ImportRefused, import_accounts, template_csv, template_xlsx


class UploadForm(forms.Form):
    file = forms.FileField(label="账号表格(.xlsx 或 .csv)")


def allowed(user):
    return user.has_perm("auth.add_user") and user.has_perm("auth.change_user")


@require_http_methods(["GET", "POST"])
def import_view(request):
    if not allowed(request.user):
        raise PermissionDenied
    context = {"form": UploadForm(), "problems": [], "result": None}
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                context["problems"] = [f"文件太大:最多 {MAX_BYTES // 1024 // 1024} MB。"]
            else:
                base_url = request.build_absolute_uri("/") if settings.DEBUG else settings.WAGTAILADMIN_BASE_URL
                try:
                    context["result"] = import_accounts(upload.name, upload.read(), base_url)
                except ImportRefused as refused:
                    context["problems"] = refused.problems
    response = TemplateResponse(request, "accounts/import.html", context)
    response["Cache-Control"] = "no-store"  # the page may show one-time links
    return response


def template_view(request, kind):
    if not allowed(request.user):
        raise PermissionDenied
    if kind == "xlsx":
        response = HttpResponse(template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accounts-template.{kind}"'
    return response
