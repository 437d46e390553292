"""The upload form: every file is checked (ffprobe, captions parser) before anything is stored."""

import hashlib
import shutil
import tempfile
from pathlib import Path

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .captions import CaptionsRejected, validate_captions
from .models import new_video_key
from .permissions import permission_policy
from .validation import VideoRejected, validate_video


def _local_upload_path(upload, folder):
    """A path to the uploaded bytes: Django's temporary file for big uploads, a copy otherwise."""
    if hasattr(upload, "temporary_file_path"):
        return Path(upload.temporary_file_path())
    suffix = Path(upload.name).suffix[:10]
    path = Path(folder) / f"upload{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    upload.seek(0)
    return path


def _sha1(path):
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


class FileNameInput(forms.ClearableFileInput):
    """目前:<file name> without a link: stored originals and captions are not served at /media/
    (that link opened an English "Not Found"); the edit page's player shows the video instead."""

    template_name = "transcoding/widgets/file_no_link.html"


class VideoAssetForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.probe_facts = None
        self.original_checksum = None
        self.media_changed = False
        if for_user is not None and "collection" in self.fields:
            action = "change" if self.instance.pk else "add"
            allowed = permission_policy.collections_user_has_permission_for(for_user, action)
            self.fields["collection"].queryset = allowed
            self.fields["collection"].empty_label = None
        if "key" in self.fields:
            self.fields["key"].required = False
            self.fields["key"].help_text = "可以不填,系统会自动生成。课程包里引用这段视频时用它。"
        for name in ("original", "captions"):
            if name in self.fields:
                self.fields[name].widget = FileNameInput(attrs=self.fields[name].widget.attrs)
        if "original" in self.fields:
            self.fields["original"].widget.attrs["accept"] = "video/*"
            self.fields["original"].help_text = "手机、相机或录屏软件导出的视频(MP4、MOV、MKV、WebM…)。上传后会先检查,再在后台转码。"
        if "captions" in self.fields:
            self.fields["captions"].widget.attrs["accept"] = ".vtt,text/vtt"

    def clean_key(self):
        return self.cleaned_data.get("key") or self.instance.key or new_video_key()

    def clean_original(self):
        upload = self.cleaned_data.get("original")
        if not upload or upload == self.initial.get("original"):
            return upload
        folder = tempfile.mkdtemp(prefix="gongyu-upload-")
        try:
            path = _local_upload_path(upload, folder)
            try:
                self.probe_facts = validate_video(path)
            except VideoRejected as rejection:
                raise forms.ValidationError(str(rejection), code="video_rejected") from None
            self.original_checksum = _sha1(path)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.media_changed = True
        return upload

    def clean_captions(self):
        upload = self.cleaned_data.get("captions")
        if not upload or upload == self.initial.get("captions"):
            if upload is False:  # "clear" ticked
                self.media_changed = True
            return upload
        data = upload.read()
        upload.seek(0)
        try:
            validate_captions(data)
        except CaptionsRejected as rejection:
            raise forms.ValidationError(str(rejection), code="captions_rejected") from None
        self.media_changed = True
        return upload

    def save(self, commit=True):
        asset = super().save(commit=False)
        if self.probe_facts is not None:
            asset.set_probe_facts(self.probe_facts)
            asset.checksum = self.original_checksum
        if self.media_changed:
            asset.status = asset.Status.PENDING
            asset.progress, asset.eta_seconds, asset.error, asset.attempts = 0.0, None, "", 0
        if commit:
            asset.save()
            if self.media_changed:
                from .jobs import enqueue

                enqueue(asset)
        return asset
