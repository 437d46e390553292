"""``manage.py db_worker``: django-tasks' database worker, which also keeps the periodic jobs
(scheduled publishing and expiry, publish retries, the site/search check) running by itself."""

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from cms.core import periodic


class Command(WorkerCommand):
    help = WorkerCommand.help + " 同时按时运行定时任务(定时发布与下线、发布重试、网站与搜索核对)。"

    def handle(self, *args, **options):
        if not options.get("batch"):
            periodic.on_worker_start()
        return super().handle(*args, **options)
