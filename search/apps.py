from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "gongyu_search"
    verbose_name = "中文搜索"

    def ready(self):
        from . import signals

        signals.connect()
