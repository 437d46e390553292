"""The static parent site: export, build, publish, deploy (issue 6). Public surface: ``cms.publishing.api``."""
from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "cms.publishing"
    label = "publishing"
    verbose_name = "家长网站发布"

    def ready(self):
        from . import scheduled
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
        scheduled.register()
