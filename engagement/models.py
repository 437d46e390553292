"""家长参与: raw participation events (append-only, no personal data), their rollups, moderated
comments, rate-limit counters and the weekly lecture schedule (本周家长课).

No IP address or user agent is ever stored: rate limits per address use a hash salted with a
random value that changes every day (``DaySalt``) and are deleted with it.
"""

import datetime

from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

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
    last_survey_response_id = models.BigIntegerField(default=0)   # survey answers counted up to here


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


class SchoolGroup(models.Model):
    """A group of schools (e.g. 城区学校, 乡镇学校) that may get its own 本周家长课."""

    name = models.CharField("名称", max_length=60, unique=True)
    schools = models.ManyToManyField("topics.School", verbose_name="学校", related_name="lecture_groups")

    panels = [FieldPanel("name"), FieldPanel("schools")]

    class Meta:
        verbose_name = "学校分组"
        verbose_name_plural = "学校分组"
        ordering = ["name"]

    def __str__(self):
        return self.name


class WeeklyLecture(models.Model):
    """本周家长课: the lesson or micro-lesson parents of one 学段 are asked to watch in one week."""

    week = models.DateField("周一日期", help_text="这一周的周一,例如 2026-11-23。")
    stage = models.ForeignKey("taxonomy.Stage", verbose_name="学段", on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("wagtailcore.Page", verbose_name="课程或微课", on_delete=models.CASCADE, related_name="+")
    note = models.CharField("给家长的话", max_length=200, blank=True)
    group = models.ForeignKey(SchoolGroup, verbose_name="学校分组", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="lectures",
                              help_text="不选:所有学校;选了:只给这一组学校(它们的链接显示这一节,代替全体学校的那一节)。")

    panels = [FieldPanel("week"), FieldPanel("stage"), FieldPanel("page"), FieldPanel("group"), FieldPanel("note")]

    class Meta:
        verbose_name = "本周家长课"
        verbose_name_plural = "本周家长课"
        ordering = ["week", "stage__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["week", "stage"], condition=models.Q(group__isnull=True),
                                    name="eng_weekly_unique"),
            models.UniqueConstraint(fields=["week", "stage", "group"], condition=models.Q(group__isnull=False),
                                    name="eng_weekly_group_unique"),
        ]

    def __str__(self):
        group = f" · {self.group}" if self.group_id else ""
        return f"{self.week:%Y-%m-%d} {self.stage}{group} · {self.page.title}"

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


# ---------------------------------------------------------------------------------------------
# 问卷 (surveys): built by an editor in the admin, published to the static site at
# /surveys/<slug>/, answered anonymously through the ingest endpoint (one answer set per device
# and survey), counted by the rollup into SurveyTally, read in the admin with charts.

MAX_QUESTIONS = 40
MAX_CHOICES = 12
SCALE = (1, 2, 3, 4, 5)


class Survey(ClusterableModel):
    """A questionnaire. Only a published survey is on the site and accepts answers."""

    title = models.CharField("标题", max_length=100)
    slug = models.SlugField("网址名", max_length=60, unique=True,
                            help_text="网址 /surveys/<网址名>/ 里的名字,只用小写字母、数字和连字符。")
    intro = models.TextField("说明", max_length=1000, blank=True)
    published = models.BooleanField("已发布", default=False, help_text="发布后家长才能看到并填写。")
    closes_on = models.DateField("截止日期", null=True, blank=True, help_text="这一天以后不再接受答卷(可不填)。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    panels = [
        MultiFieldPanel([FieldPanel("title"), FieldPanel("slug"), FieldPanel("intro"),
                         FieldPanel("published"), FieldPanel("closes_on")], heading="问卷"),
        InlinePanel("questions", heading="题目", label="题目", min_num=1, max_num=MAX_QUESTIONS),
    ]

    class Meta:
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def accepts_answers(self, today):
        return self.published and (self.closes_on is None or today <= self.closes_on)


class SurveyQuestion(Orderable):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        SCALE = "scale", "打分(1–5)"
        TEXT = "text", "填空"

    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField("题目", max_length=200)
    kind = models.CharField("题型", max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    choices = models.TextField("选项", blank=True, help_text="单选、多选题的选项,每行一个。")
    required = models.BooleanField("必答", default=True)

    panels = [FieldPanel("label"), FieldPanel("kind"), FieldPanel("choices"), FieldPanel("required")]

    class Meta(Orderable.Meta):
        verbose_name = "题目"
        verbose_name_plural = "题目"

    def __str__(self):
        return self.label

    @property
    def options(self):
        if self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE):
            return [line.strip() for line in self.choices.splitlines() if line.strip()][:MAX_CHOICES]
        if self.kind == self.Kind.SCALE:
            return [str(n) for n in SCALE]
        return []

    def clean(self):
        from django.core.exceptions import ValidationError

        lines = [line.strip() for line in self.choices.splitlines() if line.strip()]
        if self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE):
            if len(lines) < 2:
                raise ValidationError({"choices": "单选、多选题至少要有两个选项,每行一个。"})
            if len(lines) > MAX_CHOICES:
                raise ValidationError({"choices": f"选项最多 {MAX_CHOICES} 个。"})
            if len(set(lines)) != len(lines):
                raise ValidationError({"choices": "选项不能重复。"})


class SurveyResponse(models.Model):
    """One device's answer set: ``answers`` {question id (str): option index, [indexes], 1–5 or
    text}. The device is the random id of the site's script (no name, no address)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    device = models.CharField(max_length=32)
    key = models.CharField(max_length=80, unique=True)
    school = models.ForeignKey("topics.School", null=True, on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "device"], name="eng_survey_one_per_device")]


class SurveyTextAnswer(models.Model):
    """An open-text answer (plain text), which an editor may tag with problems (P001…); school
    admins see it once an editor has approved it."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="texts")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("topics.School", null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField("回答", max_length=500)
    problems = models.ManyToManyField("taxonomy.Problem", verbose_name="问题", blank=True, related_name="+")
    approved = models.BooleanField("已审核", default=False)   # a school admin sees it only then

    class Meta:
        ordering = ["pk"]


class SurveyTally(models.Model):
    """Answers counted by the rollup, per survey × school (None: no school in the link) ×
    question × option (the option's index; for a scale the score)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("topics.School", null=True, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(SurveyQuestion, null=True, on_delete=models.CASCADE, related_name="+")
    option = models.SmallIntegerField()   # -1: answered at all (question None: answer sets)
    count = models.PositiveIntegerField()
