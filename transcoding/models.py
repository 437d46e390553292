"""Video assets: the seam between pages and the video pipeline.

Pages (the 视频导入 step of a lesson, a micro-lesson) point at a ``VideoAsset``; what the asset
holds beyond its original file (probe facts, HLS renditions, poster) is the pipeline's business.
"""

import uuid

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from wagtail.models import CollectionMember
from wagtail.search import index


def new_video_key():
    return f"v-{uuid.uuid4().hex[:10]}"


# The phases of a transcode as a teacher reads them (``pipeline.Progress.phase``).
PHASE_LABELS = {
    "waiting": "排队:等待空闲的转码位置",
    "encoding": "全部清晰度和音频一起转",
}


# Sent once a transcode ends for good, after its transaction commits: sender=VideoAsset,
# video_id=…, outcome="ready" | "failed". The dashboard's notifications (admin and e-mail) listen.
video_finished = Signal()


def eta_text(seconds):
    """约剩 m:ss from a measured estimate; nothing at all while there is no measurement yet."""
    if seconds is None or seconds < 0:
        return ""
    seconds = int(round(seconds))
    return f"约剩 {seconds // 60}:{seconds % 60:02d}"


class VideoAssetQuerySet(models.QuerySet):
    def transition(self, pk, status=None, *, when=None, event=None, **fields) -> bool:
        """The one way an asset's transcoding state changes (queued, running, playable, ready,
        failed, interrupted→retried, replaced): a conditional UPDATE (``when``: extra Q the row must
        match) that, if it changed the row, announces ``event`` on the change feed once the
        transaction commits. ``QuerySet.update()`` sends no ``post_save``; this is why the feed
        does not rely on one. Returns whether the row was changed."""
        from cms.core import changes

        if status is not None:
            fields["status"] = status
        rows = self.filter(pk=pk)
        if when is not None:
            rows = rows.filter(when)
        changed = rows.update(**fields) == 1
        if changed and event:
            changes.announce(event, video_id=pk)
        return changed


class VideoAsset(CollectionMember, index.Indexed, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待转码"
        PROCESSING = "processing", "转码中"
        READY = "ready", "已完成"
        FAILED = "failed", "失败"

    key = models.SlugField(
        "标识", max_length=80, unique=True, default=new_video_key,
        help_text="课程包中引用这段视频用的标识,小写英文字母、数字和连字符。",
    )
    title = models.CharField("标题", max_length=120)
    original = models.FileField("原始视频", upload_to="videos/originals/")
    checksum = models.CharField("文件校验值 (SHA-1)", max_length=40, blank=True, db_index=True, editable=False)
    captions = models.FileField(
        "字幕(WebVTT)", upload_to="videos/captions/", blank=True,
        help_text="可选。WebVTT 格式(.vtt)的中文字幕,家长看视频时可以打开。",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    duration_seconds = models.FloatField("时长(秒)", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    # What ffprobe said about the original (filled at upload, before anything is queued).
    width = models.PositiveIntegerField("宽度", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高度", null=True, blank=True, editable=False)
    rotation = models.IntegerField("旋转角度", default=0, editable=False)
    frame_rate = models.FloatField("帧率", null=True, blank=True, editable=False)
    video_codec = models.CharField("视频编码", max_length=32, blank=True, editable=False)
    audio_codec = models.CharField("音频编码", max_length=32, blank=True, editable=False)
    has_audio = models.BooleanField("有声音", default=True, editable=False)
    size_bytes = models.BigIntegerField("文件大小(字节)", null=True, blank=True, editable=False)
    bit_rate = models.BigIntegerField("码率(bit/s)", null=True, blank=True, editable=False)

    # The transcoding job.
    progress = models.FloatField("进度", default=0.0, editable=False)
    eta_seconds = models.FloatField("预计剩余(秒)", null=True, blank=True, editable=False)
    playable = models.BooleanField("可以播放", default=False, editable=False,
                                   help_text="最低一档和声音已经转好,先可以播放。")
    phase = models.CharField("转码阶段", max_length=16, blank=True, editable=False)
    playable_eta_seconds = models.FloatField("预计多久可以播放(秒)", null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    editable=False, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField("错误信息", blank=True, editable=False)
    attempts = models.PositiveIntegerField("尝试次数", default=0, editable=False)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True, editable=False)
    transcoded_at = models.DateTimeField("转码完成时间", null=True, blank=True, editable=False)
    # The outputs: a folder in the default storage (videos/hls/<key>/<revision>/) and the
    # manifest of what is in it (rungs with resolution/bitrate/bytes, audio, poster, captions).
    output_prefix = models.CharField("输出位置", max_length=200, blank=True, editable=False)
    outputs = models.JSONField("输出清单", default=dict, blank=True, editable=False)
    # The reviewed outputs: what the parent site shows. A first transcode (or one no live page
    # shows) is reviewed at once; a replaced file of a video that a live page shows waits here
    # until a page showing it is approved (published) again — media are reviewed like pages.
    live_prefix = models.CharField("家长网站上的版本", max_length=200, blank=True, editable=False)
    live_outputs = models.JSONField("家长网站上的输出清单", default=dict, blank=True, editable=False)

    objects = VideoAssetQuerySet.as_manager()

    search_fields = CollectionMember.search_fields + [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("status"),
    ]

    class Meta:
        verbose_name = "视频"
        verbose_name_plural = "视频"
        ordering = ["-created_at", "pk"]
        permissions = [("choose_videoasset", "可以选择视频")]

    def __str__(self):
        return self.title

    @property
    def interrupted(self):
        """转码中, but the worker has stopped reporting (killed or restarted)."""
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        if self.status != self.Status.PROCESSING or self.heartbeat_at is None:
            return False
        return timezone.now() - self.heartbeat_at > timedelta(seconds=settings.GONGYU_TRANSCODE_STALE_SECONDS)

    @property
    def busy(self):
        return self.status in (self.Status.PENDING, self.Status.PROCESSING) and not self.interrupted

    @property
    def phase_label(self):
        return PHASE_LABELS.get(self.phase, "") if self.status == self.Status.PROCESSING and not self.interrupted else ""

    @property
    def eta_label(self):
        return eta_text(self.eta_seconds) if self.status == self.Status.PROCESSING and not self.interrupted else ""

    @property
    def restartable(self):
        """重新转码 from the original is offered unless a job is waiting for or running on it."""
        return not self.busy

    @property
    def retryable(self):
        return self.status == self.Status.FAILED or self.interrupted

    def set_probe_facts(self, facts):
        width, height = facts.display_size
        self.width, self.height, self.rotation = width, height, facts.rotation
        self.frame_rate = facts.frame_rate
        self.video_codec = facts.video_codec or ""
        self.audio_codec = facts.audio_codec or ""
        self.has_audio = facts.has_audio
        self.size_bytes = facts.size_bytes
        self.bit_rate = facts.bit_rate
        self.duration_seconds = facts.duration
