from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "cms.topics"
    label = "topics"
    verbose_name = "课题库"
