"""Who may do what: each 名师工作室 and each school has one Wagtail group and one collection.

The group is the role (members are added to it in the admin's user pages); the collection holds
the role's videos, images and documents. These rows tie the three together so code can ask
"which studio / school does this user work for" without parsing group names.
"""

from django.contrib.auth.models import Group
from django.db import models
from wagtail.models import Collection


class StudioRole(models.Model):
    studio = models.OneToOneField("catalogue.StudioPage", verbose_name="名师工作室", on_delete=models.CASCADE, related_name="role")
    group = models.OneToOneField(Group, verbose_name="用户组", on_delete=models.PROTECT, related_name="studio_role")
    collection = models.OneToOneField(Collection, verbose_name="媒体文件夹", on_delete=models.PROTECT, related_name="studio_role")

    class Meta:
        verbose_name = "工作室角色"
        verbose_name_plural = "工作室角色"

    def __str__(self):
        return self.group.name


class SchoolRole(models.Model):
    school = models.OneToOneField("topics.School", verbose_name="学校", on_delete=models.CASCADE, related_name="role")
    group = models.OneToOneField(Group, verbose_name="用户组", on_delete=models.PROTECT, related_name="school_role")
    collection = models.OneToOneField(Collection, verbose_name="文档文件夹", on_delete=models.PROTECT, related_name="school_role")

    class Meta:
        verbose_name = "学校角色"
        verbose_name_plural = "学校角色"

    def __str__(self):
        return self.group.name
