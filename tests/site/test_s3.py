"""Deploy to S3 against moto's real HTTP server (started here)."""

import pytest

from cms.publishing.api import deploy_s3, publish
from tests.s3server import moto_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with moto_server() as (client, endpoint):
        client.create_bucket(Bucket="parents")
        yield client, endpoint


def test_deploy_uploads_changes_only_with_types_and_caching(s3, tmp_path):
    client, endpoint = s3
    out = tmp_path / "site"
    publish(out)
    client.put_object(Bucket="parents", Key="old/page/index.html", Body=b"stale")

    first = deploy_s3(out, bucket="parents", endpoint_url=endpoint)
    files = [p for p in out.resolve().rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(first.uploaded) == len(files)
    assert first.deleted == ["old/page/index.html"]

    head = client.head_object(Bucket="parents", Key="index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert "max-age=60" in head["CacheControl"]
    css = next(k for k in first.uploaded if k.startswith("assets/stylesheets/gongyu."))
    head = client.head_object(Bucket="parents", Key=css)
    assert head["ContentType"] == "text/css; charset=utf-8"
    assert "immutable" in head["CacheControl"]
    head = client.head_object(Bucket="parents", Key="pagefind/site.json")
    assert head["ContentType"].startswith("application/json") and "max-age=60" in head["CacheControl"]
    playlist = next((k for k in first.uploaded if k.endswith("master.m3u8")), None)
    if playlist:
        assert client.head_object(Bucket="parents", Key=playlist)["ContentType"].startswith("application/vnd.apple.mpegurl")
    body = client.get_object(Bucket="parents", Key="index.html")["Body"].read()
    assert body == (out / "index.html").read_bytes()

    second = deploy_s3(out, bucket="parents", endpoint_url=endpoint)
    assert second.uploaded == [] and second.deleted == [] and second.unchanged == len(files)

    # One page changes and one disappears: exactly that is uploaded and deleted.
    from cms.catalogue.models import LessonPage

    lesson = LessonPage.objects.live().order_by("path")[0]
    lesson.title = "上传到存储桶的新标题"
    lesson.save_revision().publish()
    gone = LessonPage.objects.live().order_by("path")[5]
    gone_key = gone.url_path[len("/home/"):] + "index.html"
    gone.unpublish()
    result = publish(out)
    third = deploy_s3(out, bucket="parents", endpoint_url=endpoint)
    lesson_key = lesson.url_path[len("/home/"):] + "index.html"
    assert lesson_key in third.uploaded
    # Only regenerated pages and the re-indexed search shard went up, not the whole site.
    assert all(k in result.written or k.startswith("pagefind/") for k in third.uploaded), third.uploaded
    assert len(third.uploaded) < len(files) / 3
    assert gone_key in third.deleted
    assert "上传到存储桶的新标题" in client.get_object(Bucket="parents", Key=lesson_key)["Body"].read().decode()
