"""``manage.py db_worker``: django-tasks' database worker, which also keeps the periodic jobs
(scheduled publishing and expiry, publish retries, the site/search check) running by itself.

Its id is ``<host>:<pid>:<random>`` unless ``--worker-id`` is given, and when it starts it queues
again the tasks a killed worker of this host left half done (``cms.core.workers``)."""

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from cms.core import periodic, workers


class Command(WorkerCommand):
    help = WorkerCommand.help + " 同时按时运行定时任务(定时发布与下线、发布重试、网站与搜索核对)。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=workers.new_worker_id())

    def handle(self, *args, **options):
        workers.requeue_interrupted()
        if not options.get("batch"):
            periodic.on_worker_start()
        return super().handle(*args, **options)
