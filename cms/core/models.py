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
