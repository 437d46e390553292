from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "gongyu_search"
    verbose_name = "中文搜索"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import signals

        signals.connect()
        connection_created.connect(memory_temp_store, dispatch_uid="gongyu_search_temp_store")


def memory_temp_store(sender, connection, **kwargs):
    """The embedded backend ranks into a TEMP table per search: keep it in memory, not in a file
    with a journal per statement (SQLite only allows this outside a transaction: at connect)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store = MEMORY")
