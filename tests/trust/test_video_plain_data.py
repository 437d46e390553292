"""Transcoding state in one place: the curriculum importer/exporter and publishing see videos only
through ``transcoding.api``, as ids and frozen dataclasses — and the exporter finds a studio's
unused videos in the studio's own folder, not in whatever folder carries its name."""

import dataclasses
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Collection

from cms.catalogue.models import StudioPage
from cms.studios.api import ensure_studio
from curricula import yamlio
from curricula.exporter import export_package
from transcoding import api

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def upload(key, title, collection):
    return api.VideoAsset.objects.create(key=key, title=title, collection=collection,
                                         original=SimpleUploadedFile(f"{key}.mp4", b"not decoded here"))


def test_the_api_gives_frozen_plain_data():
    studio = StudioPage.objects.order_by("path").first()
    collection = ensure_studio(studio).collection
    asset = upload("plain-data", "普通数据", collection)
    video = api.find_video("plain-data")
    assert isinstance(video, api.Video) and video.id == asset.pk and video.collection_id == collection.pk
    assert video.status == "pending" and video.original.name == asset.original.name
    with pytest.raises(dataclasses.FrozenInstanceError):
        video.title = "改了"
    with video.original.open() as handle:
        assert handle.read() == b"not decoded here"
    assert "plain-data" in [v.key for v in api.videos(collection_id=collection.pk)]
    assert api.video_id("plain-data") == asset.pk
    with pytest.raises(api.VideoMissing):
        api.video_id("never-was")
    assert api.find_video("never-was") is None


def test_importer_exporter_and_publishing_do_not_query_the_video_model():
    sources = [*(REPO / "curricula").glob("*.py"),
               *(REPO / "cms" / "publishing").rglob("*.py")]
    naming = [p.relative_to(REPO).as_posix() for p in sources if "VideoAsset" in p.read_text(encoding="utf-8")]
    assert naming == []


def test_the_export_keeps_a_studios_unused_video_from_its_own_folder_not_a_namesakes(tmp_path):
    studio = StudioPage.objects.order_by("path").first()
    own = ensure_studio(studio).collection
    upload("own-unused", "工作室自己的备用视频", own)
    studio.title = "改过名的工作室"
    studio.save_revision().publish()
    namesake = Collection.get_first_root_node().add_child(name="改过名的工作室")
    upload("strangers", "别人文件夹里的视频", namesake)

    out = export_package(tmp_path / "package")
    exported = yamlio.loads((out / "studios" / f"{studio.slug}.yaml").read_text(encoding="utf-8"))
    keys = {v["key"] for v in exported["videos"]}
    assert "own-unused" in keys and "strangers" not in keys
    own_item = next(v for v in exported["videos"] if v["key"] == "own-unused")
    assert (out / own_item["file"]).read_bytes() == b"not decoded here"
