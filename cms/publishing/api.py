"""Public surface of the parent-site publishing app.

- ``publish(out=None, full=False, progress=None) -> PublishResult``: build the static site from
  the live public catalogue, incrementally, and swap it live atomically (``manage.py publish_site``).
- ``request_publish()``: queue one coalesced publish through django-tasks (called on page
  publish/unpublish/move/delete in the admin).
- ``deploy_s3(site_dir, bucket=…, prefix="", endpoint_url=None) -> DeployReport``: upload the
  built site to S3 (changed files only; stale objects deleted afterwards).
- ``publish_status() -> dict``: plain data for the admin and ``publish_site --status``: when the
  parent site (and the search indexes) last got a change, how much is queued, since when it
  fails and why (Chinese), and whether parents see an older site than the database (``behind``).
- ``record_index_success()`` / ``record_index_failure(error)``: the search tasks report here.
- ``export_markdown(out_dir)``: the same pages as Markdown sources with front matter (for a plain
  ``mkdocs build``; the benchmark's naive baseline).
"""

from .deploy import DeployReport, deploy_s3
from .export import export_markdown
from .publisher import PublishResult, publish
from .queue import request_publish
from .shell import ShellError as PublishError

__all__ = [
    "DeployReport", "PublishError", "PublishResult", "deploy_s3", "export_markdown", "publish", "publish_status",
    "record_index_failure", "record_index_success", "request_publish",
]


def record_index_success():
    """Search: an index update went through (a recorded failure stays until the worker's full
    re-sync succeeds)."""
    from . import status

    status.touched(status.SEARCH)


def record_index_failure(error):
    """Search: an index update failed; shown beside the site's state and retried by the worker."""
    from . import status

    status.failed(status.SEARCH, error)


def publish_status() -> dict:
    """The parent site's publish state as plain data (datetimes are aware ``datetime`` objects)::

        {"behind": bool,               # parents see an older site/search than the database
         "last_success_at": datetime | None,   # the parent site's last successful publish
         "queued": int,                # publishes and index updates waiting for the worker
         "failing_since": datetime | None,     # earliest unresolved failure (site or search)
         "reason": str,                # Chinese, "" when nothing fails
         "summary": str,               # one Chinese sentence for a banner or a dashboard line
         "channels": [{"channel": "site"|"search", "label": "家长网站"|"搜索索引",
                       "last_success_at", "queued", "failing_since", "failures", "reason",
                       "next_retry_at", "behind"}, …]}
    """
    import dataclasses

    from . import status

    channels = [status.channel_status(name) for name in (status.SITE, status.SEARCH)]
    failing = [c for c in channels if c.failing_since]
    return {
        "behind": any(c.behind for c in channels),
        "last_success_at": channels[0].last_success_at,
        "queued": sum(c.queued for c in channels),
        "failing_since": min((c.failing_since for c in failing), default=None),
        "reason": ";".join(f"{c.label}:{c.reason}" for c in failing),
        "summary": "".join(status.summary_line(c) for c in channels),
        "channels": [dataclasses.asdict(c) for c in channels],
    }
