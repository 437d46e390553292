"""Image files (renditions, and the ``original`` rendition) served only to people who may see
the image.

Wagtail stores image files under guessable names (``images/<name>.max-165x165.png``) and leaves
who may fetch them to the web server. On a one-machine install Django serves ``/media/images/``
through this view instead of a plain static serve: a file goes to everyone only when its image is
shown by a page the public may see (the reference index, as for "usage"); to a signed-in user
who may see the image in the admin (their collection; editors) it goes with ``private``
caching; to anyone else it is a 404. Original uploads (``original_images/``) are never served;
the published parent site carries its own copies of the public renditions.
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from .access import visible
from .public import is_public


def image_is_public(image):
    references = ReferenceIndex.get_references_to(image).group_by_source_object()
    return any(isinstance(source, Page) and is_public(source) for source, _ in references)


def serve_image_file(request, path):
    clean = posixpath.normpath(path)
    if clean != path or not clean.startswith("images/") or "/" in clean[len("images/"):]:
        raise Http404
    Image = get_image_model()
    rendition = Image.get_rendition_model().objects.filter(file=clean).select_related("image").first()
    if rendition is None:
        raise Http404
    image = rendition.image
    if image_is_public(image):
        cache = "public, max-age=3600"
    elif request.user.is_authenticated and visible(request.user, Image, Image.objects.filter(pk=image.pk)).exists():
        cache = "private, no-store"
    else:
        raise Http404
    if not default_storage.exists(clean):
        raise Http404
    content_type = mimetypes.guess_type(clean)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(clean, "rb"), content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response


MEDIA_PREFIX = settings.MEDIA_URL.lstrip("/")
