"""Public surface of the video app: other apps import from here, not from models."""

from django.core.files import File

from .models import VideoAsset
from .validation import VideoRejected, validate_video

__all__ = ["VideoAsset", "VideoRejected", "get_video", "store_video", "validate_video"]


def get_video(key):
    return VideoAsset.objects.filter(key=key).first()


def store_video(*, key, title, path, collection=None, checksum=None):
    """Create (or update) the asset ``key`` with the file at ``path`` as its original."""
    asset = VideoAsset.objects.filter(key=key).first() or VideoAsset(key=key)
    asset.title = title
    if collection is not None:
        asset.collection = collection
    with open(path, "rb") as handle:
        asset.original.save(path.name, File(handle), save=False)
    asset.checksum = checksum or ""
    asset.save()
    return asset
