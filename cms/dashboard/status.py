"""The operator's short status (``manage.py status``), in Chinese: the worker's queue, videos in
progress or failed, the parent site's publish state, and the versions."""

import platform
import shutil
import subprocess
from importlib import metadata

from django.utils import timezone

from .panels import publish_state


def version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "未安装"


def ffmpeg_version():
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        return "未安装"
    try:
        first = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True, timeout=20).stdout.split("\n")[0]
    except (OSError, subprocess.SubprocessError):
        return "无法读取"
    parts = first.split()
    return parts[2] if len(parts) > 2 else first


def queue_counts():
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another task backend: no queue in this database
        return None
    rows = DBTaskResult.objects.all()
    return {
        "waiting": rows.filter(status="READY").count(),
        "running": rows.filter(status="RUNNING").count(),
        "failed_today": rows.filter(status="FAILED", finished_at__gte=timezone.now() - timezone.timedelta(days=1)).count(),
    }


def status_lines():
    from django.db import connection

    from transcoding.models import VideoAsset

    if VideoAsset._meta.db_table not in connection.introspection.table_names():
        return ["数据库还没有建好:先运行 ./gongyu up(或 manage.py migrate)。"]
    lines = []
    queue = queue_counts()
    if queue is None:
        lines.append("后台队列:不在本数据库中。")
    else:
        lines.append(f"后台队列:等待 {queue['waiting']} 项,正在运行 {queue['running']} 项,"
                     f"最近 24 小时失败 {queue['failed_today']} 项。")
    videos = VideoAsset.objects.all()
    pending = videos.filter(status=VideoAsset.Status.PENDING).count()
    processing = videos.filter(status=VideoAsset.Status.PROCESSING).count()
    failed = videos.filter(status=VideoAsset.Status.FAILED).count()
    ready = videos.filter(status=VideoAsset.Status.READY).count()
    lines.append(f"视频:共 {videos.count()} 段,已完成 {ready},转码中 {processing},待转码 {pending},失败 {failed}。")
    for video in videos.filter(status=VideoAsset.Status.FAILED).order_by("-created_at")[:5]:
        reason = (video.error or "没有记录原因").splitlines()[0][:80]
        lines.append(f"  失败:「{video.title}」:{reason}")
    publish = publish_state()
    lines.append("家长网站:" + (publish["summary"] if publish else "发布状态暂时无法读取。"))
    lines.append(f"版本:共育 {version('gongyu')} · Django {version('django')} · Wagtail {version('wagtail')} · "
                 f"Python {platform.python_version()} · ffmpeg {ffmpeg_version()}")
    return lines
