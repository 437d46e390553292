from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "cms.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    def ready(self):
        from . import notifications

        notifications.connect()
