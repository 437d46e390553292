"""Public surface of the parent-site publishing app.

- ``publish(out=None, full=False, progress=None) -> PublishResult``: build the static site from
  the live public catalogue, incrementally, and swap it live atomically (``manage.py publish_site``).
- ``request_publish()``: queue one coalesced publish through django-tasks (called on page
  publish/unpublish/move/delete in the admin).
- ``deploy_s3(site_dir, bucket=…, prefix="", endpoint_url=None) -> DeployReport``: upload the
  built site to S3 (changed files only; stale objects deleted afterwards).
- ``export_markdown(out_dir)``: the same pages as Markdown sources with front matter (for a plain
  ``mkdocs build``; the benchmark's naive baseline).
"""

from .deploy import DeployReport, deploy_s3
from .export import export_markdown
from .publisher import PublishResult, publish
from .queue import request_publish
from .shell import ShellError as PublishError

__all__ = ["DeployReport", "PublishError", "PublishResult", "deploy_s3", "export_markdown", "publish", "request_publish"]
