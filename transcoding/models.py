"""Video assets: the seam between pages and the video pipeline.

Pages (the 视频导入 step of a lesson, a micro-lesson) point at a ``VideoAsset``; what the asset
holds beyond its original file (probe facts, HLS renditions, poster) is the pipeline's business.
"""

import uuid

from django.db import models
from wagtail.models import CollectionMember
from wagtail.search import index


def new_video_key():
    return f"v-{uuid.uuid4().hex[:10]}"


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
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    duration_seconds = models.FloatField("时长(秒)", null=True, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    search_fields = CollectionMember.search_fields + [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("status"),
    ]

    class Meta:
        verbose_name = "视频"
        verbose_name_plural = "视频"
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return self.title
