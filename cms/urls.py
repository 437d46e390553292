from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/search/", include("search.urls")),
    path("api/engagement/", include("engagement.urls")),
]

if settings.SERVE_MEDIA and settings.STORAGE_BACKEND == "local":
    # One-machine installs serve uploaded media from Django (django.conf.urls.static only
    # does this with DEBUG on). Only image renditions (images/) are public files: documents go
    # through /documents/ (Wagtail checks the collection's privacy there), original images
    # and videos are never served from here.
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{prefix}(?P<path>images/[^/]+)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

urlpatterns.append(path("", include(wagtail_urls)))
