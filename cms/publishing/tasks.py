"""The background publish (run by ``manage.py db_worker``). A failure is recorded with its
Chinese reason and retried with back-off by the periodic job; the live site stays as it was.

``queue`` enqueues this task; this module does not import ``queue`` (no import cycle): the
task's own bookkeeping (``start_publish`` / ``finish_publish``) lives here."""

import logging

from django_tasks import task

from . import status

log = logging.getLogger("gongyu.publishing")


def start_publish():
    """Called by the task as it starts: later requests queue a new run. Returns the pages the
    queued changes named (None: compare everything)."""
    status.row(status.SITE)
    pages = status.take_pages()
    status.started(status.SITE)
    return pages


def finish_publish(error: BaseException | None = None):
    if error is None:
        status.succeeded(status.SITE)
    else:
        status.plan_all_next()   # what the failed run took is compared again
        status.failed(status.SITE, error)


@task()
def publish_site_task():
    from .publisher import publish

    pages = start_publish()
    try:
        result = publish(pages=pages)
    except Exception as error:  # noqa: BLE001 - recorded, shown in the admin, retried
        finish_publish(error)
        log.exception("家长网站发布失败,线上网站保持不变")
        return {"failed": str(error)}
    finish_publish()
    return {"written": len(result.written), "removed": len(result.removed), "seconds": round(result.timings.get("total", 0), 2)}
