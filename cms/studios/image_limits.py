"""Image uploads are refused by their picture size before anything decodes them.

Wagtail's own pixel check asks Pillow for the size, and Pillow refuses anything over twice its
``MAX_IMAGE_PIXELS`` (≈179 million) with a ``DecompressionBombError`` — so a 16000×16000 file
got Wagtail's 文件包含像素过多(未知数) and a 9000×9000 one was decoded later for every rendition
(350 MB each). Here the size is read from the file's header only (PNG and JPEG through Pillow's
format plugin without its bomb check, WebP from its RIFF header: its Pillow decoder allocates
the canvas on open) and anything over ``WAGTAILIMAGES_MAX_IMAGE_PIXELS`` (40 million: a
phone's 48-megapixel photo must be shrunk, 8000×5000 passes) is refused with the real numbers:

    图片的像素太多:16000×16000(25600 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。

``ImageForm`` is Wagtail's image form base (``WAGTAILIMAGES_IMAGE_FORM_BASE``): the single,
multiple and chooser upload forms all use it.
"""

from __future__ import annotations

import struct

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

FORMATS = {"png": "PNG", "jpeg": "JPEG"}


def max_pixels():
    return getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 40_000_000)


def _webp_size(data: bytes):
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    kind = data[12:16]
    if kind == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None


def header_size(fileobj, format_name):
    """(width, height, frames) from the file's header, or None when it cannot be read there."""
    fileobj.seek(0)
    try:
        if format_name == "webp":
            size = _webp_size(fileobj.read(64))
            return (*size, 1) if size else None
        plugin = FORMATS.get(format_name)
        if plugin is None:
            return None
        PILImage.init()
        factory, _ = PILImage.OPEN[plugin]
        image = factory(fileobj)  # the plugin reads the header; Image.open's bomb check is not run
        frames = getattr(image, "n_frames", 1) if plugin == "PNG" else 1
        return image.size[0], image.size[1], frames
    except Exception:  # noqa: BLE001 - an unreadable header: Willow/Pillow refuse it later
        return None
    finally:
        fileobj.seek(0)


def _wan(pixels):
    return f"{pixels / 10000:.0f} 万像素"


def too_many_pixels_message(width, height, frames, limit):
    picture = f"{width}×{height}" + (f"×{frames} 帧" if frames > 1 else "")
    return (f"图片的像素太多:{picture}({_wan(width * height * frames)}),上限是 {_wan(limit)}"
            f"(例如 8000×5000)。请缩小后再上传。")


class BoundedImageField(WagtailImageField):
    def check_image_pixel_size(self, f):
        limit = self.max_image_pixels or max_pixels()
        size = header_size(f.image.f, f.image.format_name)
        if size is None:
            return super().check_image_pixel_size(f)
        width, height, frames = size
        if width * height * frames > limit:
            raise ValidationError(too_many_pixels_message(width, height, frames, limit),
                                  code="file_too_many_pixels")


class ImageForm(BaseImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if isinstance(field, WagtailImageField) and not isinstance(field, BoundedImageField):
            field.__class__ = BoundedImageField
