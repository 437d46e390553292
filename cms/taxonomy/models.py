"""The three shelves of the supermarket: 学段 (stage), 主题 (theme), 家庭教育突出问题 (problem)."""

from django.core.validators import RegexValidator
from django.db import models

slug_validator = RegexValidator(
    r"^[a-z0-9]+(-[a-z0-9]+)*$", "只能使用小写英文字母、数字和连字符,例如 junior-high。"
)
problem_code_validator = RegexValidator(r"^P[0-9]{3}$", "问题编码应为 P 加三位数字,例如 P001。")


class OrderedTaxon(models.Model):
    sort_order = models.PositiveIntegerField("排序", default=0, db_index=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name


class Stage(OrderedTaxon):
    code = models.SlugField("编码", max_length=80, unique=True, validators=[slug_validator])
    name = models.CharField("名称", max_length=120, unique=True)
    description = models.CharField("说明", max_length=500, blank=True)

    class Meta(OrderedTaxon.Meta):
        verbose_name = "学段"
        verbose_name_plural = "学段"


class Theme(OrderedTaxon):
    code = models.SlugField("编码", max_length=80, unique=True, validators=[slug_validator])
    name = models.CharField("名称", max_length=120, unique=True)
    description = models.CharField("说明", max_length=500, blank=True)

    class Meta(OrderedTaxon.Meta):
        verbose_name = "主题"
        verbose_name_plural = "主题"


class Problem(OrderedTaxon):
    code = models.CharField("编码", max_length=4, unique=True, validators=[problem_code_validator])
    title = models.CharField("问题", max_length=120)
    description = models.CharField("描述", max_length=500, blank=True)
    theme = models.ForeignKey(Theme, verbose_name="主题", on_delete=models.PROTECT, related_name="problems")
    stages = models.ManyToManyField(Stage, verbose_name="学段", related_name="problems")

    class Meta(OrderedTaxon.Meta):
        verbose_name = "家庭教育问题"
        verbose_name_plural = "家庭教育问题"

    def __str__(self):
        return f"{self.code} {self.title}"
