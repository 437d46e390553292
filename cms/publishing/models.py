"""Publishing state: what each site target holds (file fingerprints and what they link to) and
the coalescing flag for queued publishes. Catalogue models are never touched."""

from django.db import models


class PublishedFile(models.Model):
    target = models.CharField("发布位置", max_length=500, db_index=True)
    path = models.CharField("文件", max_length=500)
    fingerprint = models.CharField("内容指纹", max_length=40)
    page_id = models.IntegerField("页面", null=True, blank=True, db_index=True)
    shard = models.IntegerField("搜索分片", null=True, blank=True)
    links = models.JSONField("引用", default=dict, blank=True)

    class Meta:
        verbose_name = "已发布文件"
        verbose_name_plural = "已发布文件"
        constraints = [models.UniqueConstraint(fields=["target", "path"], name="published_file_unique")]


class SiteTarget(models.Model):
    target = models.CharField("发布位置", max_length=500, unique=True)
    release = models.CharField("当前版本目录", max_length=500, blank=True)
    theme = models.CharField("外观版本", max_length=40, blank=True)
    shards = models.PositiveIntegerField("搜索分片数", default=1)
    vocabulary = models.CharField("搜索词表版本", max_length=40, blank=True)
    pending_shards = models.JSONField("待重建的搜索分片", default=list, blank=True)
    search_gone = models.JSONField("已下线但仍在旧搜索分片中的网址", default=list, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    indexed = models.BooleanField("页面依赖已建立", default=False)   # OutputDependency holds every file

    class Meta:
        verbose_name = "网站发布位置"
        verbose_name_plural = "网站发布位置"


class OutputDependency(models.Model):
    """The dependency index: page → the files of a site target that show it (its own page, its
    course page, shelves, listings, neighbours' 上一课/下一课, related lists, breadcrumbs). Kept
    up to date as files are rendered; an edit plans only the files of the pages it changed."""

    site = models.ForeignKey(SiteTarget, on_delete=models.CASCADE, related_name="dependencies")
    page_id = models.IntegerField("页面")
    path = models.CharField("文件", max_length=500)

    class Meta:
        verbose_name = "页面依赖"
        verbose_name_plural = "页面依赖"
        indexes = [models.Index(fields=["site", "page_id"], name="output_dep_page"),
                   models.Index(fields=["site", "path"], name="output_dep_path")]


class PublishQueue(models.Model):
    """One row per channel (``site``: the parent site; ``search``: the search indexes).

    ``pending`` is set when work is queued and cleared when a worker starts it, so a burst of
    publishes in the admin queues one build (plus at most one follow-up). A failure keeps
    ``failing_since`` and the Chinese ``last_error`` until a later run succeeds; the worker
    retries with back-off (``next_retry_at``), so the site converges once the fault is gone."""

    channel = models.CharField("通道", max_length=20, unique=True, default="site")
    pending = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_success_at = models.DateTimeField("最近一次成功", null=True, blank=True)
    failing_since = models.DateTimeField("开始失败的时间", null=True, blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    next_retry_at = models.DateTimeField("下次重试", null=True, blank=True)
    # What the queued publish must look at: the pages the change feed named (an edit plans only
    # the files that show them), or everything (``plan_all``: any other change, a retry, too many).
    pages = models.JSONField("待发布的页面", default=list, blank=True)
    plan_all = models.BooleanField("全部重新比较", default=True)

    class Meta:
        verbose_name = "发布队列"
        verbose_name_plural = "发布队列"
