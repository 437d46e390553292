"""The background publish (run by ``manage.py db_worker``)."""

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
    except Exception as error:
        finish_publish(f"{type(error).__name__}: {error}")
        log.exception("家长网站发布失败,线上网站保持不变")
        raise
    finish_publish()
    return {"written": len(result.written), "removed": len(result.removed), "seconds": round(result.timings.get("total", 0), 2)}
