"""The pipeline with media in S3 (moto's real HTTP server): the original is read from the bucket,
the ladder is written there with the right Content-Type and Cache-Control, and copied back out."""

import pytest
from django.test import override_settings

from tests.s3server import moto_server
from tests.transcoding.media import video
from transcoding.api import copy_outputs, playback, store_video, transcode_now


@pytest.fixture
def s3_media():
    with moto_server() as (client, endpoint):
        client.create_bucket(Bucket="gongyu-media")
        storage = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "gongyu-media", "endpoint_url": endpoint, "region_name": "us-east-1",
                        "access_key": "test", "secret_key": "test", "file_overwrite": False,
                        "querystring_auth": False},
        }
        from django.conf import settings

        with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
            yield client


@pytest.mark.django_db
def test_a_video_in_s3_is_transcoded_into_s3_with_types_and_caching(s3_media, tmp_path, django_capture_on_commit_callbacks):
    vtt = tmp_path / "zh.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\n你好\n", encoding="utf-8")
    asset = store_video(key="s3-clip", title="S3 视频", path=video(tmp_path / "c.mp4", seconds=2, size="640x360"),
                        checksum="s3", transcode=False)
    with open(vtt, "rb") as handle:
        asset.captions.save("zh.vtt", handle)
    keys = {o["Key"] for o in s3_media.list_objects_v2(Bucket="gongyu-media")["Contents"]}
    assert any(k.startswith("videos/originals/") for k in keys)

    assert transcode_now(asset) == "ready"
    asset.refresh_from_db()
    info = playback(asset)
    expected = {
        "master.m3u8": ("application/vnd.apple.mpegurl", "public, max-age=60"),
        "240p/index.m3u8": ("application/vnd.apple.mpegurl", "public, max-age=60"),
        "240p/seg_00000.ts": ("video/mp2t", "public, max-age=31536000, immutable"),
        "audio/seg_00000.ts": ("video/mp2t", "public, max-age=31536000, immutable"),
        "poster.jpg": ("image/jpeg", "public, max-age=31536000, immutable"),
        "captions.vtt": ("text/vtt; charset=utf-8", "public, max-age=31536000, immutable"),
    }
    for relative, (content_type, cache) in expected.items():
        head = s3_media.head_object(Bucket="gongyu-media", Key=info.root + relative)
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache), relative
    stored = {o["Key"] for o in s3_media.list_objects_v2(Bucket="gongyu-media", Prefix=info.root)["Contents"]}
    assert stored == {info.root + f for f in info.files}

    copy_outputs(asset, tmp_path / "site")
    assert (tmp_path / "site" / "master.m3u8").read_text().count("#EXT-X-STREAM-INF") == 3
    assert "你好" in (tmp_path / "site" / "captions.vtt").read_text(encoding="utf-8")
