"""Bookkeeping of the worker's periodic jobs (``periodic``): one row per job, plus the row of the
tick itself (name ``tick``) whose ``pending`` flag keeps exactly one tick queued."""

from django.db import models


class PeriodicJob(models.Model):
    name = models.CharField("任务", max_length=80, unique=True)
    pending = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField("最近运行", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self):
        return self.name


class Tombstone(models.Model):
    """Something an editor deleted, by the stable key an import would find it by (a page's URL
    path, a video's key, a taxonomy code, a claim's "topic:school"). A curriculum import never
    brings it back unless the operator asks (``import_curriculum --update``)."""

    kind = models.CharField("类型", max_length=40)
    key = models.CharField("标识", max_length=500)
    deleted_at = models.DateTimeField("删除时间", auto_now=True)

    class Meta:
        verbose_name = "已删除的内容"
        verbose_name_plural = "已删除的内容"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="tombstone_unique")]

    @classmethod
    def record(cls, kind, key):
        cls.objects.update_or_create(kind=kind, key=key)

    @classmethod
    def exists_for(cls, kind, key):
        return cls.objects.filter(kind=kind, key=key).exists()

    @classmethod
    def forget(cls, kind, key):
        cls.objects.filter(kind=kind, key=key).delete()
