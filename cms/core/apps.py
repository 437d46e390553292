"""The few facts every other app shares: the page kinds and what is public (``vocabulary``), and
the one feed of changes that can alter what parents see (``changes``)."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cms.core"
    label = "core"
    verbose_name = "共育核心"

    def ready(self):
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
