"""Upload file names a browser or a script may send (not UTF-8, control characters, folder paths,
very long, nothing but "..") are stored under a safe name and the user is told so in Chinese;
the file is never silently dropped. Raw multipart bodies through the Django test client, so the
name bytes are exactly what was sent."""

import html
import io
import re

import pytest
from django.conf import settings
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from tests.transcoding.media import video
from transcoding.models import VideoAsset

BOUNDARY = b"----gongyu-names"


def multipart(fields, field_name, raw_name, content, content_type):
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(b"--" + BOUNDARY + b"\r\n")
        out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(b"--" + BOUNDARY + b"\r\n")
    out.write(b'Content-Disposition: form-data; name="' + field_name.encode() + b'"; filename="' + raw_name + b'"\r\n')
    out.write(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + content + b"\r\n")
    out.write(b"--" + BOUNDARY + b"--\r\n")
    return out.getvalue()


def post(client, url, fields, field_name, raw_name, content, content_type):
    body = multipart(fields, field_name, raw_name, content, content_type)
    response = client.generic("POST", url, body, content_type="multipart/form-data; boundary=" + BOUNDARY.decode())
    if response.status_code == 302:  # saved: the message is shown on the next page
        response = client.get(response["Location"])
    return response


def shown_messages(response):
    return [html.unescape(m) for m in re.findall(r"(上传的文件名[^<]*保存。)", response.content.decode())]


def png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 80)).save(buffer, "PNG")
    return buffer.getvalue()


IMAGE_CASES = [
    # raw name sent, the message the user sees
    (b"\xff\xfe\xb0\xa1.png", "上传的文件名含有无法识别的字符(不是 UTF-8 编码),已改名为「未命名.png」保存。"),
    ("讲义\x01\x7f封面.png".encode(), "上传的文件名含有控制字符,已改名为「讲义封面.png」保存。"),
    (b"../../etc/passwd.png", "上传的文件名带有文件夹路径,已改名为「passwd.png」保存。"),
    (b"C:\\Users\\me\\cover.png", "上传的文件名带有文件夹路径,已改名为「cover.png」保存。"),
    (("长" * 200 + ".png").encode(), f"上传的文件名太长(超过 80 个字),已改名为「{'长' * 80}.png」保存。"),
]


@pytest.mark.django_db
def test_hostile_image_names_are_stored_safely_and_the_user_is_told(client, teacher_a, studio_a):
    client.force_login(teacher_a)
    Image = get_image_model()
    for number, (raw, message) in enumerate(IMAGE_CASES):
        title = f"封面{number}"
        response = post(client, "/admin/images/add/", {"title": title, "collection": studio_a.collection.pk},
                        "file", raw, png(), "image/png")
        assert response.status_code == 200
        image = Image.objects.filter(title=title).first()
        assert image is not None, raw  # stored, not dropped
        stored = image.file.name
        assert stored.startswith("original_images/") and "/" not in stored[len("original_images/"):]
        assert not any(c in stored for c in "\\\x00\x01\x1a\x7f") and len(stored) < 120
        assert (settings.MEDIA_ROOT / stored).exists()
        assert shown_messages(response) == [message], raw
    # a sensible name goes through unchanged and without a message
    response = post(client, "/admin/images/add/", {"title": "普通封面", "collection": studio_a.collection.pk},
                    "file", "家长课堂.png".encode(), png(), "image/png")
    assert Image.objects.filter(title="普通封面").exists() and shown_messages(response) == []


@pytest.mark.django_db
def test_a_name_of_only_dots_is_kept_as_a_file_and_explained(client, teacher_a, studio_a):
    client.force_login(teacher_a)
    response = post(client, "/admin/documents/add/", {"title": "点点讲义", "collection": studio_a.collection.pk},
                    "file", b"..", b"handout", "text/plain")
    assert shown_messages(response) == ["上传的文件名只有文件夹路径,已改名为「未命名」保存。"]
    # the document form then refuses a file without an extension, in Chinese: the file was seen
    assert not get_document_model().objects.filter(title="点点讲义").exists()
    assert "这个字段是必填项" not in response.content.decode()


@pytest.mark.django_db
def test_undecodable_document_and_video_names_are_stored(client, teacher_a, studio_a, tmp_path):
    client.force_login(teacher_a)
    response = post(client, "/admin/documents/add/", {"title": "家长讲义", "collection": studio_a.collection.pk},
                    "file", "讲义".encode("gbk") + b".txt", "倾听孩子".encode(), "text/plain")
    document = get_document_model().objects.get(title="家长讲义")
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".txt")
    assert shown_messages(response) == ["上传的文件名含有无法识别的字符(不是 UTF-8 编码),已改名为「未命名.txt」保存。"]

    clip = video(tmp_path / "clip.mp4", seconds=1, size="160x120")
    response = post(client, "/admin/snippets/transcoding/videoasset/add/",
                    {"title": "家长视频", "key": "", "collection": studio_a.collection.pk},
                    "original", "亲子".encode("gbk") + b"\x07" + "讲义".encode("gbk") + b".mp4", clip.read_bytes(), "video/mp4")
    asset = VideoAsset.objects.get(title="家长视频")
    assert asset.original.name.startswith("videos/originals/") and asset.original.name.endswith(".mp4")
    assert "\x07" not in asset.original.name
    assert shown_messages(response) == [
        "上传的文件名含有无法识别的字符(不是 UTF-8 编码)、含有控制字符,已改名为「未命名.mp4」保存。"]
