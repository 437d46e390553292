from django.apps import AppConfig


class StudiosConfig(AppConfig):
    name = "cms.studios"
    label = "studios"
    verbose_name = "名师工作室与权限"

    def ready(self):
        from . import checks  # noqa: F401 - registers the secret key check
        from .references import install

        install()
        from .upload_names import install as install_upload_names

        install_upload_names()
        from .disk_full import install as install_disk_full

        install_disk_full()
