"""A full disk (ENOSPC, or EDQUOT over a quota) during an upload is told in Chinese; the form
comes back with everything else the user typed, and no half-written file is left behind.

Where the disk can fill up, and what happens here:

* while the upload streams into Django's temporary file (``FILE_UPLOAD_TEMP_DIR``):
  ``DiskSafeTemporaryFileUploadHandler`` deletes the partial temporary file and skips that file
  only — the parser goes on reading the form's other fields;
* while storage copies the file to ``MEDIA_ROOT``: ``LocalStorage`` deletes the partial file and
  lets the error rise; the view's own transaction (Wagtail saves in ``transaction.atomic``)
  leaves no row behind;
* ``DiskFullMiddleware`` catches that error. For a POST it runs the view once more with the
  disk-full flag set: every ``WagtailAdminModelForm`` (pages, snippets, images, documents,
  videos) and the project's own upload forms then fail validation with ``MESSAGE``, so the page
  is shown again with the other inputs filled in (browsers never refill a file input). Anything
  else gets a Chinese 507 page instead of a 500.

Publishing has its own handling (``cms/publishing``: the new release is built beside the live
one and the live one is switched only when complete; the status page names the reason).
"""

from __future__ import annotations

import contextvars
import errno
import os

from django.contrib import messages
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpResponse
from django.utils.html import escape

ERRNOS = {errno.ENOSPC, errno.EDQUOT}
MESSAGE = "服务器磁盘空间不足,文件没有保存。你填写的其他内容还在;请联系管理员清理磁盘后再提交一次。"
PAGE_MESSAGE = "服务器磁盘空间不足,这次操作没有完成,也没有留下只写了一半的文件。请联系管理员清理磁盘后再试。"

_disk_full = contextvars.ContextVar("gongyu_disk_full", default=False)


def is_disk_full(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in ERRNOS:
            return True
        error = error.__cause__ or error.__context__
    return False


def disk_was_full() -> bool:
    """True while a request is being answered after the disk filled up (forms refuse with MESSAGE)."""
    return _disk_full.get()


def mark_disk_full():
    _disk_full.set(True)


class DiskSafeTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def _discard(self):
        upload = getattr(self, "file", None)
        if upload is None:
            return
        try:
            path = upload.temporary_file_path()
            upload.close()
            os.unlink(path)
        except OSError:
            pass

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError as error:
            if error.errno not in ERRNOS:
                raise
            self._discard()
            mark_disk_full()
            if self.request is not None and hasattr(self.request, "_messages"):
                messages.error(self.request, MESSAGE)
            raise SkipFile from error

    def file_complete(self, file_size):
        try:
            return super().file_complete(file_size)
        except OSError as error:  # flushing the last bytes
            if error.errno not in ERRNOS:
                raise
            self._discard()
            mark_disk_full()
            return None


class LocalStorage(FileSystemStorage):
    """Django's file storage, except that a file it could not finish writing is deleted."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as error:
            if error.errno in ERRNOS:
                try:
                    os.unlink(self.path(name))
                except OSError:
                    pass
            raise


def install():
    """Forms with a file field refuse with MESSAGE while the disk-full flag is set (from ready())."""
    from django import forms

    original = forms.BaseForm.full_clean
    if getattr(original, "gongyu_disk_full", False):
        return

    def full_clean(self):
        original(self)
        if disk_was_full() and self.is_bound and any(
                isinstance(field, forms.FileField) for field in self.fields.values()):
            self.add_error(None, MESSAGE)

    full_clean.gongyu_disk_full = True
    forms.BaseForm.full_clean = full_clean


class DiskFullMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _disk_full.set(False)
        try:
            return self.get_response(request)
        finally:
            _disk_full.reset(token)

    def process_exception(self, request, exception):
        if not is_disk_full(exception):
            return None
        match = getattr(request, "resolver_match", None)
        if request.method == "POST" and match is not None and not getattr(request, "_gongyu_disk_retry", False):
            request._gongyu_disk_retry = True
            mark_disk_full()
            try:
                response = match.func(request, *match.args, **match.kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                return response
            except Exception as again:  # noqa: BLE001 - fall back to the plain page below
                if not is_disk_full(again):
                    raise
        body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>磁盘空间不足</title>"
                f"<h1>磁盘空间不足</h1><p>{escape(PAGE_MESSAGE)}</p>")
        response = HttpResponse(body, status=507, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
