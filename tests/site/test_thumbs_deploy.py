"""Card thumbnails on S3 (issue 15): the /t/ files, named by their source's content hash, go up
with year-long immutable caching and their real image types, pages keep the short caching.
Against moto's real HTTP server (tests/s3server.py); the thumbnails are made by the publisher's
own Pillow code."""

import io

import pytest
from PIL import Image

from cms.publishing import images
from cms.publishing.deploy import deploy_s3
from tests.s3server import moto_server


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with moto_server() as (client, endpoint):
        client.create_bucket(Bucket="parents")
        yield client, endpoint


def photo():
    buffer = io.BytesIO()
    Image.radial_gradient("L").resize((800, 600)).convert("RGB").save(buffer, "JPEG", quality=90)
    buffer.seek(0)
    return buffer


def test_thumbnails_are_uploaded_immutable_with_their_image_types(s3, tmp_path):
    client, endpoint = s3
    cache, site = tmp_path / "cache", tmp_path / "site"
    digest = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    images.make_thumbnails(photo, cache, digest)
    names = images.files_of(digest)
    for name in names:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes((cache / name).read_bytes())
    (site / "index.html").write_text("<!doctype html><title>共育</title>", encoding="utf-8")
    (site / "wechat").mkdir()
    (site / "wechat" / "jweixin-1.6.5.js").write_text("/* sdk */", encoding="utf-8")

    report = deploy_s3(site, bucket="parents", prefix="family", endpoint_url=endpoint)
    assert sorted(report.uploaded) == sorted(["family/" + n for n in names]
                                             + ["family/index.html", "family/wechat/jweixin-1.6.5.js"])
    kinds = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}
    assert {n.rsplit(".", 1)[1] for n in names} >= {"webp", "jpg"}
    for name in names:
        head = client.head_object(Bucket="parents", Key="family/" + name)
        assert head["CacheControl"] == "public, max-age=31536000, immutable", name
        assert head["ContentType"] == kinds[name.rsplit(".", 1)[1]], name
        body = client.get_object(Bucket="parents", Key="family/" + name)["Body"].read()
        assert body == (site / name).read_bytes()
    # Pages and files without a content hash in their name stay short-lived.
    for key in ("family/index.html", "family/wechat/jweixin-1.6.5.js"):
        assert "max-age=60" in client.head_object(Bucket="parents", Key=key)["CacheControl"], key
    # A picture that merely sits under t/ without the hash naming is not taken for immutable.
    (site / "t" / "logo.png").write_bytes((cache / names[-1]).read_bytes())
    again = deploy_s3(site, bucket="parents", prefix="family", endpoint_url=endpoint)
    assert again.uploaded == ["family/t/logo.png"] and again.unchanged == len(names) + 2
    assert "max-age=60" in client.head_object(Bucket="parents", Key="family/t/logo.png")["CacheControl"]
