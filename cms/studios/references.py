"""Every admin form checks what it points at (pages, videos, images, documents).

Wagtail's choosers only offer what the user may choose, but a form accepts any id posted to it
(``body-0-value-video=<id>``). Every ``WagtailAdminModelForm`` (pages, snippets, media) is
checked here after it builds its object: each reference that was not already there must be one
the user may use —

- a video, image or document in a collection the user has a permission on (their own studio's
  or school's; editors: all);
- a page in the user's own subtree, or one that is public as it stands (live, no unpublished
  changes, no view restriction) — see ``access.choosable_pages``.

References that were already on the object are kept (an editor may have put them there). The
refusal names the kind and id only, never the title.
"""

from django.contrib.contenttypes.models import ContentType
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from .access import may_see

KINDS = {"page": "页面", "image": "图片", "document": "文档", "videoasset": "视频"}


def checked_models():
    from transcoding.api import VideoAsset

    return (Page, get_image_model(), get_document_model(), VideoAsset)


def references(instance):
    """{(model, id)} of the pages and media ``instance`` points at."""
    found = set()
    models = checked_models()
    try:
        extracted = list(ReferenceIndex._extract_references_from_object(instance))
    except Exception:  # a half-built object (the form has errors already): checked on the next save
        return found
    for content_type_id, object_id, _, _ in extracted:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is not None and issubclass(model, models):
            found.add((model, object_id))
    return found


def refusal(model, object_id):
    kind = next((label for name, label in KINDS.items() if model._meta.model_name == name), None)
    if kind is None:
        kind = "页面" if issubclass(model, Page) else "文件"
    if kind == "页面":
        return f"不能使用编号为 {object_id} 的页面:它不在你的工作室里,也没有公开发布。"
    return f"不能使用编号为 {object_id} 的{kind}:它不在你有权限的文件夹里。"


STRUCTURE = ("-count", "-order", "-deleted", "-id", "-type", "-prefix")


def forget(form, ids):
    """Blank the posted chooser values naming a refused object, so the form shown again does not
    render its title (choosers look the object up from the posted id)."""
    if not hasattr(form.data, "copy"):
        return
    data = form.data.copy()
    for key in list(data.keys()):
        if key.endswith(STRUCTURE) or key.startswith("csrf"):
            continue
        values = data.getlist(key)
        if any(value in ids for value in values):
            data.setlist(key, ["" if value in ids else value for value in values])
    form.data = data


def install():
    """Wrap ``WagtailAdminModelForm._post_clean`` with the check (once, from ``AppConfig.ready``)."""
    from wagtail.admin.forms.models import WagtailAdminModelForm

    original = WagtailAdminModelForm._post_clean
    if getattr(original, "gongyu_checks_references", False):
        return

    def _post_clean(self):
        user = getattr(self, "for_user", None)
        before = references(self.instance) if user is not None and not user.is_superuser else None
        original(self)
        if before is None:
            return
        refused = [(model, object_id) for model, object_id in sorted(references(self.instance) - before, key=str)
                   if not may_see(user, model, [object_id])]
        for model, object_id in refused:
            self.add_error(None, refusal(model, object_id))
        if refused:
            forget(self, {str(object_id) for _, object_id in refused})

    _post_clean.gongyu_checks_references = True
    WagtailAdminModelForm._post_clean = _post_clean
