from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.catalogue.admin_views import create_page

urlpatterns = [
    # Ahead of Wagtail's own route of the same address: new pages are not autosaved (see the view).
    path("admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/",
         create_page, name="gongyu_page_add"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/search/", include("search.urls")),
    path("api/engagement/", include("engagement.urls")),
    path("api/wechat/", include("cms.wechat.urls")),
]

if settings.SERVE_MEDIA and settings.STORAGE_BACKEND == "local":
    # One-machine installs serve uploaded media from Django (django.conf.urls.static only
    # does this with DEBUG on). Only image renditions (images/) are served, through a view that
    # checks who may see the image (cms.studios.media): documents go through /documents/
    # (Wagtail checks the collection's privacy there), original images and videos never.
    from cms.studios.media import serve_image_file

    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{prefix}(?P<path>images/[^/]+)$", serve_image_file, name="gongyu_image_file"))

urlpatterns.append(path("", include(wagtail_urls)))
