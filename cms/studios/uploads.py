"""Upload sizes enforced while the request streams in, not after it has been stored.

Django writes an upload to a temporary file as it arrives and only then lets forms look at its
size, so a 50 GB upload would fill the disk before being refused. This handler (first in
``FILE_UPLOAD_HANDLERS``) stops reading as soon as the body announces or reaches more than
``GONGYU_MAX_UPLOAD_BYTES`` (the largest file the CMS accepts, plus room for the form fields)
and says so in Chinese; the form then shows the file as missing. Behind a reverse proxy, set
the same limit there too (nginx: ``client_max_body_size 2100m;``) so it never reaches Django.
"""

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from .upload_names import rename_message, take_pending


def _gb(n):
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.1f} MB"


def upload_limit():
    return getattr(settings, "GONGYU_MAX_UPLOAD_BYTES", None) or (
        max(settings.GONGYU_MAX_VIDEO_BYTES, settings.GONGYU_MAX_MEDIA_FILE_BYTES) + 10 * 1024**2)


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.limit = upload_limit()

    def tell(self, size):
        if self.request is not None and hasattr(self.request, "_messages"):
            messages.error(self.request, f"上传的文件太大({_gb(size)}),上限是 {_gb(self.limit)},上传已停止。"
                                         "请压缩或剪短后再上传。")

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        note = take_pending()  # set by the parser's name check just before (upload_names.py)
        if note and self.request is not None and hasattr(self.request, "_messages"):
            messages.warning(self.request, rename_message(*note))

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit:
            # The body is not read at all: the view sees an empty form.
            self.tell(content_length)
            return QueryDict(), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:  # no (or a false) Content-Length: stop as soon as it is over
            self.tell(self.received)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
