"""家长参与: raw participation events (append-only, no personal data), their rollups, moderated
comments, rate-limit counters and the weekly lecture schedule (本周家长课).

No IP address or user agent is ever stored: rate limits per address use a hash salted with a
random value that changes every day (``DaySalt``) and are deleted with it.
"""

import datetime

from django.db import models
from wagtail.admin.panels import FieldPanel

from . import kinds


class RawEvent(models.Model):
    """One event from a parent's browser. ``key`` (device + the browser's event id) makes a
    resent batch count once. Pruned after ``GONGYU_ENGAGEMENT_RAW_DAYS``."""

    key = models.CharField(max_length=80, unique=True)
    device = models.CharField(max_length=32)
    school = models.ForeignKey("topics.School", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    klass = models.PositiveSmallIntegerField(default=0)   # 0: no class in the link
    page_id = models.PositiveIntegerField()
    kind = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField(null=True)
    day = models.DateField()                              # Asia/Shanghai day the event happened
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["day", "school", "device"], name="eng_raw_day_school_dev")]


class Rollup(models.Model):
    """Counts read by every report. ``period``: D (a day: per page), W (ISO week) and T (term):
    per school and class, ``page_id`` 0 and ``klass`` -1 meaning all. ``devices`` are distinct
    devices (families) over the whole period, ``events`` all events."""

    period = models.CharField(max_length=1)
    start = models.DateField()
    school = models.ForeignKey("topics.School", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    klass = models.SmallIntegerField()
    page_id = models.PositiveIntegerField()
    measure = models.PositiveSmallIntegerField()
    events = models.PositiveIntegerField()
    devices = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["period", "start", "school", "klass", "page_id", "measure"], name="eng_rollup_unique")]
        indexes = [models.Index(fields=["period", "start", "measure"], name="eng_rollup_period")]


class RollupState(models.Model):
    """The highest raw event id already counted (one row)."""

    last_event_id = models.BigIntegerField(default=0)
    scheduled_for = models.DateTimeField(null=True)   # a rollup task is queued for then
    lecture_week = models.DateField(null=True)        # the week whose 本周家长课 the site last got


class Comment(models.Model):
    """A parent's note (check-in), rating comment or open survey answer: plain text, shown only
    once an editor approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    event_key = models.CharField(max_length=80, unique=True)
    school = models.ForeignKey("topics.School", verbose_name="学校", on_delete=models.CASCADE, related_name="+")
    page_id = models.PositiveIntegerField("页面")
    kind = models.PositiveSmallIntegerField("类型")
    value = models.PositiveSmallIntegerField(null=True)
    text = models.CharField("内容", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "家长留言"
        verbose_name_plural = "家长留言"
        ordering = ["-created_at"]

    @property
    def kind_label(self):
        return kinds.MEASURE_LABELS.get(self.kind, "")


class DaySalt(models.Model):
    """A random salt per day for the address hash used by rate limits (deleted after the day)."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)


class Quota(models.Model):
    """Events counted against a rate limit: ``bucket`` is "d:<device>" or "a:<address hash>",
    ``window`` the start of the window."""

    bucket = models.CharField(max_length=80)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "window"], name="eng_quota_unique")]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class WeeklyLecture(models.Model):
    """本周家长课: the lesson or micro-lesson parents of one 学段 are asked to watch in one week."""

    week = models.DateField("周一日期", help_text="这一周的周一,例如 2026-11-23。")
    stage = models.ForeignKey("taxonomy.Stage", verbose_name="学段", on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("wagtailcore.Page", verbose_name="课程或微课", on_delete=models.CASCADE, related_name="+")
    note = models.CharField("给家长的话", max_length=200, blank=True)

    panels = [FieldPanel("week"), FieldPanel("stage"), FieldPanel("page"), FieldPanel("note")]

    class Meta:
        verbose_name = "本周家长课"
        verbose_name_plural = "本周家长课"
        ordering = ["week", "stage__sort_order"]
        constraints = [models.UniqueConstraint(fields=["week", "stage"], name="eng_weekly_unique")]

    def __str__(self):
        return f"{self.week:%Y-%m-%d} {self.stage} · {self.page.title}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.week and self.week.weekday() != 0:
            errors["week"] = "请选择一周的周一。"
        if self.page_id:
            specific = self.page.specific_class.__name__ if self.page.specific_class else ""
            if specific not in ("LessonPage", "MicroLessonPage"):
                errors["page"] = "请选择一节五步教学法课或一节微课。"
        if errors:
            raise ValidationError(errors)
