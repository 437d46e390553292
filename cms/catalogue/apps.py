from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "cms.catalogue"
    label = "catalogue"
    verbose_name = "家长课程超市"
