from django.apps import AppConfig


class StudiosConfig(AppConfig):
    name = "cms.studios"
    label = "studios"
    verbose_name = "名师工作室与权限"
