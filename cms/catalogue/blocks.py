"""StreamField blocks for the five steps of a lesson, one block type per step."""

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from .five_steps import step_problems


class TitledTextBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="标题", max_length=120)
    text = blocks.TextBlock(label="内容")


class VideoIntroBlock(blocks.StructBlock):
    video = SnippetChooserBlock("transcoding.VideoAsset", label="导入视频")
    text = blocks.TextBlock(label="导入语", required=False)

    class Meta:
        label = "视频导入"
        icon = "media"


class DiscussionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="研讨说明", required=False)
    prompts = blocks.ListBlock(blocks.CharBlock(max_length=500), label="研讨问题", min_num=1)
    cases = blocks.ListBlock(TitledTextBlock(), label="案例", min_num=0, default=[])

    class Meta:
        label = "现场研讨"
        icon = "group"


class SummaryBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="总结说明", required=False)
    points = blocks.ListBlock(blocks.CharBlock(max_length=500), label="要点", min_num=1)

    class Meta:
        label = "问题总结"
        icon = "list-ul"


class HomeworkBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="作业说明", required=False)
    tasks = blocks.ListBlock(TitledTextBlock(), label="家庭作业", min_num=1)

    class Meta:
        label = "作业巩固"
        icon = "tasks"


class ExtensionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="延伸说明", required=False)
    micro_lessons = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.MicroLessonPage"), label="延伸微课", min_num=0, default=[]
    )

    class Meta:
        label = "微课延伸"
        icon = "link"


class FiveStepsBlock(blocks.StreamBlock):
    video_intro = VideoIntroBlock()
    discussion = DiscussionBlock()
    summary = SummaryBlock()
    homework = HomeworkBlock()
    extension = ExtensionBlock()

    class Meta:
        label = "五步教学法"

    def clean(self, value):
        # Checked even for drafts: a lesson of the wrong shape is never saved.
        messages = step_problems(child.block_type for child in value)
        try:
            cleaned = super().clean(value)
        except StreamBlockValidationError as error:
            error.non_block_errors.extend(ValidationError(m) for m in messages)
            raise
        if messages:
            raise StreamBlockValidationError(non_block_errors=[ValidationError(m) for m in messages])
        return cleaned

