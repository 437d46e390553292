from django.db import models


class PackageInfo(models.Model):
    """Name and description of the curriculum package last imported (written back on export)."""

    name = models.CharField("课程包名称", max_length=120)
    description = models.TextField("说明", blank=True)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "课程包信息"
        verbose_name_plural = "课程包信息"

    def __str__(self):
        return self.name
