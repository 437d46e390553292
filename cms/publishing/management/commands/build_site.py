"""Kept for old scripts: ``build_site`` is now ``publish_site`` (cms.publishing)."""

from .publish_site import Command as PublishSiteCommand


class Command(PublishSiteCommand):
    help = "(旧名称)与 publish_site 相同:把已发布的课程生成为家长网站。"
