"""The background publish (run by ``manage.py db_worker``). A failure is recorded with its
Chinese reason and retried with back-off by the periodic job; the live site stays as it was."""

import logging

from django_tasks import task

log = logging.getLogger("gongyu.publishing")


@task()
def publish_site_task():
    from .publisher import publish
    from .queue import finish_publish, start_publish

    start_publish()
    try:
        result = publish()
    except Exception as error:  # noqa: BLE001 - recorded, shown in the admin, retried
        finish_publish(error)
        log.exception("家长网站发布失败,线上网站保持不变")
        return {"failed": str(error)}
    finish_publish()
    return {"written": len(result.written), "removed": len(result.removed), "seconds": round(result.timings.get("total", 0), 2)}
