from django.apps import AppConfig


class CurriculaConfig(AppConfig):
    name = "curricula"
    verbose_name = "课程包"
