"""Upload validation: ffprobe the file before anything is queued, and refuse it with a specific
Chinese message. The same function serves the admin upload, the importer and the CLI."""

import subprocess

import filetype
from django.conf import settings

from .probe import ProbeFailed, limited, probe

# ffprobe format names (a file may report several, comma-separated) that phones, cameras and
# screen recorders produce.
ACCEPTED_CONTAINERS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "mpegts", "flv", "mpeg"}


class VideoRejected(Exception):
    """The upload cannot be used; ``str()`` is the message for the teacher."""


def _megabytes(n, digits=None):
    if n < 1024**3:
        return f"{n / 1024**2:.{0 if digits is None else digits}f} MB"
    return f"{n / 1024**3:.{1 if digits is None else digits}f} GB"


def sizes(size, limit):
    """``size`` and ``limit`` as people read them, with enough digits that they differ
    (2.1 GB over 2.0 GB; 2.001 GB over 2.000 GB; the exact bytes when even that rounds alike)."""
    for digits in (None, 1, 2, 3):
        shown = _megabytes(size, digits), _megabytes(limit, digits)
        if shown[0] != shown[1]:
            return shown
    return f"{size:,} 字节", f"{limit:,} 字节"


def _minutes(seconds):
    return f"{seconds / 60:.0f} 分钟" if seconds >= 60 else f"{seconds:.0f} 秒"


def _tail_decodes(path, duration):
    """Decode the last seconds: a file cut off mid-upload fails here even when its header is fine."""
    start = max(duration - 3, 0)
    try:
        result = subprocess.run(
            ["ffmpeg", "-v", "error", "-xerror", "-ss", f"{start:.3f}", "-i", str(path), "-map", "0:v:0",
             "-map", "0:a:0?", "-f", "null", "-"],
            capture_output=True, text=True, timeout=120, preexec_fn=limited(cpu_seconds=120),
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def check_picture(facts):
    """Width, height and pixels per second within the limits (decoding cost grows with them)."""
    side = settings.GONGYU_VIDEO_MAX_SIDE
    if facts.width > side or facts.height > side:
        raise VideoRejected(f"视频画面 {facts.width}×{facts.height} 太大,宽和高都不能超过 {side}。"
                            "请导出为 1080p(1920×1080)后再上传。")
    rate = facts.frame_rate or 30
    per_second = facts.width * facts.height * rate
    limit = settings.GONGYU_VIDEO_MAX_PIXELS_PER_SECOND
    if per_second > limit:
        raise VideoRejected(f"视频画面太大、帧率太高({facts.width}×{facts.height},每秒 {rate:.0f} 帧),"
                            f"每秒要处理 {per_second / 1e6:.0f} 百万像素,上限是 {limit / 1e6:.0f} 百万像素。"
                            "请导出为 1080p、30 帧后再上传。")


def validate_video(path):
    """Return the probe facts of a usable video, or raise VideoRejected saying why not."""
    size = path.stat().st_size
    if size == 0:
        raise VideoRejected("文件是空的(0 字节),请重新选择视频文件。")
    if size > settings.GONGYU_MAX_VIDEO_BYTES:
        shown, limit = sizes(size, settings.GONGYU_MAX_VIDEO_BYTES)
        raise VideoRejected(f"文件太大({shown}),上限是 {limit}。请压缩或剪短后再上传。")
    try:
        facts = probe(path)
    except ProbeFailed as failure:
        # A known video signature that ffprobe cannot read is a damaged video; anything else is not one.
        kind = filetype.guess(str(path))
        if kind is None or not kind.mime.startswith("video/"):
            raise VideoRejected("无法识别这个文件:它不是视频,或者已经损坏。请上传手机、相机或录屏软件导出的视频。") from failure
        raise VideoRejected("视频文件不完整或已损坏(可能上传中断或导出未完成),请重新导出后上传。") from failure
    if not facts.has_video:
        what = "音频" if facts.has_audio else "非视频"
        raise VideoRejected(f"文件中没有视频画面(这是{what}文件)。请上传带画面的视频。")
    if facts.still_image:
        raise VideoRejected("这是一张图片,不是视频。请上传视频文件。")
    containers = set(facts.container.split(","))
    if not containers & ACCEPTED_CONTAINERS:
        raise VideoRejected(f"不支持的视频格式「{facts.container}」。请上传 MP4、MOV、MKV、WebM、AVI 等常见格式。")
    if not facts.duration or facts.duration <= 0:
        raise VideoRejected("无法读取视频时长,文件可能已损坏。请重新导出后上传。")
    if facts.duration > settings.GONGYU_MAX_VIDEO_SECONDS:
        raise VideoRejected(f"视频时长 {_minutes(facts.duration)},超过上限 {_minutes(settings.GONGYU_MAX_VIDEO_SECONDS)}。"
                            "请剪短或分成几段上传。")
    if not facts.width or not facts.height:
        raise VideoRejected("无法读取视频的画面尺寸,文件可能已损坏。")
    check_picture(facts)
    if not _tail_decodes(path, facts.duration):
        raise VideoRejected("视频文件不完整或已损坏(结尾无法解码,可能上传中断),请重新导出后上传。")
    return facts
