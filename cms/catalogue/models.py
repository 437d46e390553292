"""The 家长课程超市 page tree.

    SupermarketPage (site root, 家长课程超市)
      StudioIndexPage (名师工作室)
        StudioPage (one 名师工作室: owns its courses and micro-lessons)
          CoursePage (家长课程) -> LessonPage (五步教学法 课), in the order parents take them
          MicroLessonPage (微课)
      TopicBankPage (课题库, in cms.topics)

A studio owns what sits below its page, so page permissions on that subtree are the studio's
permissions (see cms.topics for schools and claims).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from .blocks import FiveStepsBlock, new_lesson_body
from .five_steps import step_problems
from .panels import CourseLessonsPanel
from .slugs import PinyinSlugMixin, page_form_class


class SupermarketPage(Page):
    introduction = models.TextField("首页介绍", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.StudioIndexPage", "topics.TopicBankPage"]
    max_count = 1

    class Meta:
        verbose_name = "家长课程超市首页"


class StudioIndexPage(Page):
    introduction = models.TextField("介绍", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    parent_page_types = ["catalogue.SupermarketPage"]
    subpage_types = ["catalogue.StudioPage"]
    max_count = 1

    class Meta:
        verbose_name = "名师工作室列表"


class StudioPage(PinyinSlugMixin, Page):
    base_form_class = page_form_class()
    introduction = models.TextField("工作室简介")

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        InlinePanel("members", label="成员"),
    ]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["catalogue.StudioIndexPage"]
    subpage_types = ["catalogue.CoursePage", "catalogue.MicroLessonPage"]

    class Meta:
        verbose_name = "名师工作室"

    def courses(self):
        return CoursePage.objects.child_of(self)

    def micro_lessons(self):
        return MicroLessonPage.objects.child_of(self)


class StudioMember(Orderable):
    studio = ParentalKey(StudioPage, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=120)
    role = models.CharField("职务", max_length=120, blank=True)
    bio = models.CharField("简介", max_length=500, blank=True)

    panels = [FieldPanel("name"), FieldPanel("role"), FieldPanel("bio")]

    class Meta(Orderable.Meta):
        verbose_name = "工作室成员"
        verbose_name_plural = "工作室成员"

    def __str__(self):
        return self.name


class ShelvedPage(PinyinSlugMixin, Page):
    """A page placed on the supermarket's shelves by stage, theme and problem."""

    base_form_class = page_form_class()

    summary = models.CharField("简介", max_length=500)
    stages = ParentalManyToManyField("taxonomy.Stage", verbose_name="学段", blank=True, related_name="+")
    themes = ParentalManyToManyField("taxonomy.Theme", verbose_name="主题", blank=True, related_name="+")
    problems = ParentalManyToManyField("taxonomy.Problem", verbose_name="家庭教育问题", blank=True, related_name="+")

    shelf_panels = [
        MultiFieldPanel(
            [
                FieldPanel("stages", widget=forms.CheckboxSelectMultiple),
                FieldPanel("themes", widget=forms.CheckboxSelectMultiple),
                FieldPanel("problems"),
            ],
            heading="上架分类",
        )
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]

    class Meta:
        abstract = True

    @property
    def studio(self):
        return StudioPage.objects.ancestor_of(self).first()


class CoursePage(ShelvedPage):
    introduction = models.TextField("课程介绍", blank=True)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name="封面图", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("introduction"),
        FieldPanel("cover_image"),
    ] + ShelvedPage.shelf_panels + [CourseLessonsPanel(heading="本课程的课")]
    search_fields = ShelvedPage.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["catalogue.StudioPage"]
    subpage_types = ["catalogue.LessonPage"]

    class Meta:
        verbose_name = "家长课程"

    def lessons(self):
        return LessonPage.objects.child_of(self)


class LessonPage(PinyinSlugMixin, Page):
    base_form_class = page_form_class()
    summary = models.CharField("简介", max_length=500, blank=True)
    body = StreamField(FiveStepsBlock(), verbose_name="五步教学法", default=new_lesson_body)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["catalogue.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = "五步教学法课"

    def clean(self):
        super().clean()
        messages = step_problems(child.block_type for child in self.body)
        if messages:
            raise ValidationError({"body": messages})

    @property
    def course(self):
        return self.get_parent().specific

    def step(self, name):
        for child in self.body:
            if child.block_type == name:
                return child.value
        return None


class MicroLessonPage(ShelvedPage):
    video = models.ForeignKey(
        "transcoding.VideoAsset", verbose_name="视频", null=True, blank=True,
        on_delete=models.PROTECT, related_name="micro_lessons",
    )
    transcript = models.TextField("逐字稿", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("video"),
        FieldPanel("transcript"),
    ] + ShelvedPage.shelf_panels
    search_fields = ShelvedPage.search_fields + [index.SearchField("transcript")]
    parent_page_types = ["catalogue.StudioPage"]
    subpage_types = []

    class Meta:
        verbose_name = "微课"
