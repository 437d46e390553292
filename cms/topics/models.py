"""课题库: research topics that schools claim, and the claims.

The rule "a topic never has more active claims than its maximum" is enforced by the database
(triggers created in migration 0002, per database vendor) as well as by ``TopicClaim.clean`` and
``claims.claim_topic``, which give the Chinese message first.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

ACTIVE = ~Q(status="withdrawn")


class School(models.Model):
    code = models.CharField(
        "学校编码", max_length=32, unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]+(-[A-Z0-9]+)*$", "学校编码只能使用大写字母、数字和连字符,例如 S001。")],
    )
    name = models.CharField("学校名称", max_length=120)
    district = models.CharField("所在区县", max_length=120, blank=True)
    stages = models.ManyToManyField("taxonomy.Stage", verbose_name="学段", blank=True, related_name="schools")
    families = models.PositiveIntegerField("家庭数", default=0, help_text="本校学生家庭总数,参与率以此为分母。")
    class_count = models.PositiveSmallIntegerField(
        "班级数", default=0, help_text="填写后,本周家长课为每个班级生成一个二维码链接。")

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["code"]

    def __str__(self):
        return self.name


class ResearchTopic(models.Model):
    code = models.CharField(
        "课题编码", max_length=4, unique=True,
        validators=[RegexValidator(r"^T[0-9]{2,3}$", "课题编码应为 T 加两到三位数字,例如 T01。")],
    )
    title = models.CharField("课题名称", max_length=120)
    description = models.TextField("课题说明", blank=True)
    problems = models.ManyToManyField("taxonomy.Problem", verbose_name="关联问题", blank=True, related_name="topics")
    max_claims = models.PositiveSmallIntegerField(
        "最多认领学校数", default=3, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_open = models.BooleanField("开放认领", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0, db_index=True)

    class Meta:
        verbose_name = "课题"
        verbose_name_plural = "课题"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(max_claims__gte=1), name="topic_max_claims_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def active_claims(self):
        return self.claims.filter(ACTIVE)

    def places_left(self):
        return max(self.max_claims - self.active_claims().count(), 0)

    def clean(self):
        if self.pk and self.active_claims().count() > (self.max_claims or 0):
            raise ValidationError(
                {"max_claims": f"已有 {self.active_claims().count()} 所学校认领,最多认领学校数不能小于这个数。"}
            )


class TopicClaim(models.Model):
    class Status(models.TextChoices):
        CLAIMED = "claimed", "已认领"
        RESEARCHING = "researching", "研究中"
        CONCLUDED = "concluded", "已结题"
        WITHDRAWN = "withdrawn", "已撤回"

    # Allowed moves; anything else is refused with a message naming both states.
    TRANSITIONS = {
        Status.CLAIMED: {Status.RESEARCHING, Status.WITHDRAWN},
        Status.RESEARCHING: {Status.CONCLUDED, Status.WITHDRAWN},
        Status.CONCLUDED: set(),
        Status.WITHDRAWN: set(),
    }

    topic = models.ForeignKey(ResearchTopic, verbose_name="课题", on_delete=models.PROTECT, related_name="claims")
    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT, related_name="claims")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.CLAIMED)
    claimed_on = models.DateField("认领日期")
    started_on = models.DateField("开题日期", null=True, blank=True)
    concluded_on = models.DateField("结题日期", null=True, blank=True)
    report = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="结题报告", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    panels = [
        FieldPanel("topic"), FieldPanel("school"), FieldPanel("status"),
        FieldPanel("claimed_on"), FieldPanel("started_on"), FieldPanel("concluded_on"),
        FieldPanel("report"),
    ]

    class Meta:
        verbose_name = "课题认领"
        verbose_name_plural = "课题认领"
        ordering = ["topic__sort_order", "topic__code", "claimed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "school"], condition=ACTIVE, name="one_active_claim_per_school_and_topic",
                violation_error_message="这所学校已经认领了这个课题。",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__gte=models.F("claimed_on")),
                name="claim_started_after_claimed",
                violation_error_message="开题日期不能早于认领日期。",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(started_on__isnull=False, concluded_on__gte=models.F("started_on")),
                name="claim_concluded_after_started",
                violation_error_message="结题日期不能早于开题日期,且必须先开题。",
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.topic}"

    @property
    def is_active(self):
        return self.status != self.Status.WITHDRAWN

    def clean(self):
        errors = {}
        if self.topic_id and self.is_active:
            others = self.topic.active_claims().exclude(pk=self.pk)
            if others.count() >= self.topic.max_claims:
                errors["topic"] = f"课题「{self.topic.title}」最多可由 {self.topic.max_claims} 所学校认领,名额已满。"
            elif not self.pk and not self.topic.is_open:
                errors["topic"] = f"课题「{self.topic.title}」已停止认领。"
        if self.pk:
            previous = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if previous and previous != self.status and self.status not in self.TRANSITIONS[previous]:
                errors["status"] = (
                    f"不能从「{self.Status(previous).label}」改为「{self.Status(self.status).label}」:"
                    "认领后依次为 已认领 → 研究中 → 已结题。"
                )
        if errors:
            raise ValidationError(errors)


class TopicBankPage(Page):
    """课题库 on the site: lists every topic and who claimed it."""

    introduction = models.TextField("介绍", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["catalogue.SupermarketPage"]
    subpage_types = []
    max_count = 1

    class Meta:
        verbose_name = "课题库"

    def topics(self):
        return ResearchTopic.objects.prefetch_related("claims__school", "problems")


ResearchTopic.places_left.short_description = "剩余名额"
