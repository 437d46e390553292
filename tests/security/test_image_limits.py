"""Image uploads over the picture limit (a 16000×16000 picture, decompression bombs whose header
claims a huge picture behind a few hundred bytes) are refused in Chinese with the real numbers,
before anything decodes them: bounded time and memory, nothing stored. Real files, real admin
form over the Django test client; the memory figure comes from a fresh process per file (the form's
file field alone)."""

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

REPO = Path(__file__).resolve().parents[2]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, *, rows=None, bit_depth=8, colour=0):
    """A PNG whose header says width×height; ``rows`` real rows of zeros are compressed (all
    of them for a genuine file, a few for a bomb that only claims its size)."""
    rows = height if rows is None else rows
    row = b"\0" * (1 + (width * bit_depth + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def jpeg_claiming(width, height):
    buffer = io.BytesIO()
    PILImage.new("RGB", (16, 16), (10, 120, 200)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(width, height):
    vp8x = b"\0\0\0\0" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def cases():
    return {
        # name: (file name, bytes, the message)
        "16000×16000 PNG (whole picture, 256 MB of pixels)": (
            "big.png", png(16000, 16000),
            "图片的像素太多:16000×16000(25600 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。"),
        "PNG bomb 100000×100000 in a few hundred bytes": (
            "bomb.png", png(100000, 100000, rows=4, bit_depth=1),
            "图片的像素太多:100000×100000(1000000 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。"),
        "9000×9000 PNG (under Pillow's own bomb limit)": (
            "nine.png", png(9000, 9000, rows=4),
            "图片的像素太多:9000×9000(8100 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。"),
        "JPEG claiming 16000×16000": (
            "big.jpg", jpeg_claiming(16000, 16000),
            "图片的像素太多:16000×16000(25600 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。"),
        "WebP claiming 16000×16000": (
            "big.webp", webp_claiming(16000, 16000),
            "图片的像素太多:16000×16000(25600 万像素),上限是 4000 万像素(例如 8000×5000)。请缩小后再上传。"),
    }


@pytest.fixture(scope="module")
def hostile_images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    made = {}
    for label, (name, data, message) in cases().items():
        (folder / name).write_bytes(data)
        made[label] = (folder / name, message)
    return made


@pytest.mark.django_db
def test_oversized_images_are_refused_in_chinese_and_nothing_is_stored(client, teacher_a, studio_a, hostile_images):
    client.force_login(teacher_a)
    Image = get_image_model()
    before = Image.objects.count()
    for label, (path, message) in hostile_images.items():
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/png")
        response = client.post("/admin/images/add/", {"title": "大图", "collection": studio_a.collection.pk,
                                                      "file": upload})
        assert response.status_code == 200, label
        assert message in response.content.decode(), label
    assert Image.objects.count() == before


MEASURE = """
import json, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.exceptions import ValidationError
from cms.studios.image_limits import BoundedImageField
path = sys.argv[1]
start = time.perf_counter()
data = open(path, "rb").read()
try:
    BoundedImageField().clean(SimpleUploadedFile(path.rsplit("/", 1)[-1], data))
    errors = []
except ValidationError as error:
    errors = error.messages
print(json.dumps({"seconds": time.perf_counter() - start, "errors": errors,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def test_hostile_image_matrix_time_and_peak_memory(hostile_images, tmp_path):
    """One fresh process per file: the peak memory of checking it (over an idle baseline)."""
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings", "GONGYU_VAR_DIR": str(tmp_path)}
    baseline = json.loads(subprocess.run(
        [sys.executable, "-c", MEASURE.replace('data = open(path, "rb").read()', 'data = b""'), "/dev/null"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=True).stdout.splitlines()[-1])
    rows = []
    for label, (path, message) in hostile_images.items():
        result = json.loads(subprocess.run([sys.executable, "-c", MEASURE, str(path)], env=env, cwd=REPO,
                                           capture_output=True, text=True, timeout=300,
                                           check=True).stdout.splitlines()[-1])
        assert result["errors"] == [message], label
        extra_mb = (result["peak_kb"] - baseline["peak_kb"]) / 1024
        assert extra_mb < 64, (label, extra_mb)  # a decoded 16000² picture would need 256 MB or more
        rows.append(f"| {label} | {path.stat().st_size:,} B | refused | {result['seconds']:.2f} s | "
                    f"+{max(extra_mb, 0):.1f} MB |")
    print("\n" + "\n".join(rows))
