"""Videos belong to collections (one per 名师工作室); permissions are granted per collection,
exactly as for Wagtail's images and documents (add / change / delete / choose)."""

from wagtail.permission_policies.collections import CollectionPermissionPolicy

from .models import VideoAsset

permission_policy = CollectionPermissionPolicy(VideoAsset)

# What lets a user see a video at all in the admin.
VISIBLE_WITH = ["add", "change", "delete", "choose"]


def visible_videos(user):
    return permission_policy.instances_user_has_any_permission_for(user, VISIBLE_WITH)


def can_see(user, asset):
    return permission_policy.user_has_any_permission_for_instance(user, VISIBLE_WITH, asset)
