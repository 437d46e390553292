"""A full disk during an upload or a publish, on a real small filesystem (a tmpfs of a few MB
mounted for the test): the user gets an exact Chinese message, the form keeps what they typed,
no half-written file is left, and the live site stays as it was."""

import errno
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.studios.disk_full import MESSAGE
from tests.transcoding.media import video
from transcoding.models import VideoAsset


def mount_small_disk(folder: Path, size: str):
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.strip()}")


def unmount(folder: Path):
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB filesystem."""
    folder = tmp_path / "small"
    mount_small_disk(folder, "2m")
    yield folder
    unmount(folder)


def fill(folder: Path, leave: int):
    """Fill ``folder``'s filesystem until about ``leave`` bytes are free."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with open(folder / "filler.bin", "wb") as handle:
        handle.write(b"\0" * max(0, free - leave))


def files_under(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_disk_full_while_storing_an_upload(client, teacher_a, studio_a, small_disk, settings, tmp_path):
    """MEDIA_ROOT is full: document, image and video uploads come back with the message and the
    title typed; nothing is stored, in the database or on disk."""
    settings.MEDIA_ROOT = small_disk
    fill(small_disk, 256 * 1024)
    client.force_login(teacher_a)
    Document, Image = get_document_model(), get_image_model()
    counts = (Document.objects.count(), Image.objects.count(), VideoAsset.objects.count())

    handout = SimpleUploadedFile("讲义.txt", "倾听孩子,每天十分钟。\n".encode() * 40000, content_type="text/plain")
    response = client.post("/admin/documents/add/", {"title": "满盘讲义", "collection": studio_a.collection.pk,
                                                     "file": handout})
    page = response.content.decode()
    assert response.status_code == 200 and MESSAGE in page
    assert 'value="满盘讲义"' in page

    import io

    from PIL import Image as PILImage
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3)).save(buffer, "PNG")  # ~1 MB, incompressible
    response = client.post("/admin/images/add/", {"title": "满盘封面", "collection": studio_a.collection.pk,
                                                  "file": SimpleUploadedFile("cover.png", buffer.getvalue(),
                                                                             content_type="image/png")})
    page = response.content.decode()
    assert response.status_code == 200 and MESSAGE in page and 'value="满盘封面"' in page

    clip = video(tmp_path / "clip.mp4", seconds=4, size="640x360")
    assert clip.stat().st_size > 300 * 1024
    response = client.post("/admin/snippets/transcoding/videoasset/add/", {
        "title": "满盘视频", "key": "", "collection": studio_a.collection.pk,
        "original": SimpleUploadedFile("clip.mp4", clip.read_bytes(), content_type="video/mp4")})
    page = response.content.decode()
    assert response.status_code == 200 and MESSAGE in page and 'value="满盘视频"' in page

    assert (Document.objects.count(), Image.objects.count(), VideoAsset.objects.count()) == counts
    assert files_under(small_disk) == ["filler.bin"]  # no half-written file


@pytest.mark.django_db
def test_disk_full_while_the_upload_streams_in(client, teacher_a, studio_a, small_disk, settings):
    """Django's temporary upload folder is full: the file is dropped while it streams, the other
    fields are still read, the page says why, and the partial temporary file is gone."""
    settings.FILE_UPLOAD_TEMP_DIR = str(small_disk)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # so the upload goes to a temporary file
    client.force_login(teacher_a)
    before = get_document_model().objects.count()
    handout = SimpleUploadedFile("大讲义.txt", b"x" * (3 * 1024 * 1024), content_type="text/plain")
    response = client.post("/admin/documents/add/", {"title": "流式讲义", "collection": studio_a.collection.pk,
                                                     "file": handout})
    page = response.content.decode()
    assert response.status_code == 200 and MESSAGE in page and 'value="流式讲义"' in page
    assert get_document_model().objects.count() == before
    assert files_under(small_disk) == []


@pytest.mark.django_db
def test_disk_full_during_a_publish_leaves_the_live_site(tmp_path, settings):
    from cms.catalogue.models import LessonPage
    from cms.publishing.api import publish
    from cms.publishing.status import chinese_reason

    disk = tmp_path / "site-disk"
    mount_small_disk(disk, "400m")
    try:
        out = disk / "site"
        publish(out)
        live = os.readlink(out)
        before = (out / "index.html").read_bytes()
        lesson = LessonPage.objects.live().order_by("path")[0]
        lesson.title = "磁盘满时不会上线的标题"
        lesson.save_revision().publish()
        def releases():
            return {p.name for p in (disk / ".site.releases").iterdir() if p.is_dir() and not p.name.startswith(".")}

        kept = releases()   # the live one and the last full build's two spares
        fill(disk, 16 * 1024)
        with pytest.raises(OSError) as raised:
            publish(out, full=True)
        assert raised.value.errno in (errno.ENOSPC, errno.EDQUOT)
        assert chinese_reason(raised.value) == "磁盘空间不足,无法写入新的网站版本"
        assert os.readlink(out) == live and (out / "index.html").read_bytes() == before
        assert "磁盘满时不会上线的标题" not in (out / "index.html").read_text()
        assert releases() == kept  # the half-built release was thrown away, nothing else touched
        (disk / "filler.bin").unlink()
        publish(out)
        assert os.readlink(out) != live
    finally:
        unmount(disk)
