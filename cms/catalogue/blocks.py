"""StreamField blocks for the five steps of a lesson, one block type per step."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from .five_steps import STEP_NAMES, step_problems


class TitledTextBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="标题", max_length=120)
    text = blocks.TextBlock(label="内容")


class VideoIntroBlock(blocks.StructBlock):
    video = SnippetChooserBlock("transcoding.VideoAsset", label="导入视频")
    text = blocks.TextBlock(label="导入语", required=False)

    class Meta:
        label = "第 1 步 视频导入"
        icon = "media"


class DiscussionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="研讨说明", required=False)
    prompts = blocks.ListBlock(blocks.CharBlock(max_length=500), label="研讨问题", min_num=1)
    cases = blocks.ListBlock(TitledTextBlock(), label="案例", min_num=0, default=[])

    class Meta:
        label = "第 2 步 现场研讨"
        icon = "group"


class SummaryBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="总结说明", required=False)
    points = blocks.ListBlock(blocks.CharBlock(max_length=500), label="要点", min_num=1)

    class Meta:
        label = "第 3 步 问题总结"
        icon = "list-ul"


class HomeworkBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="作业说明", required=False)
    tasks = blocks.ListBlock(TitledTextBlock(), label="家庭作业", min_num=1)

    class Meta:
        label = "第 4 步 作业巩固"
        icon = "tasks"


class ExtensionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="延伸说明", required=False)
    micro_lessons = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.MicroLessonPage"), label="延伸微课", min_num=0, default=[]
    )

    class Meta:
        label = "第 5 步 微课延伸"
        icon = "link"


class FiveStepsBlock(blocks.StreamBlock):
    video_intro = VideoIntroBlock()
    discussion = DiscussionBlock()
    summary = SummaryBlock()
    homework = HomeworkBlock()
    extension = ExtensionBlock()

    class Meta:
        label = "五步教学法"
        # The editor gets the five steps already in place (``new_lesson_body``); these limits let
        # Wagtail's editor offer no sixth block, and the class lets wagtail_hooks' stylesheet hide
        # the add/move/duplicate/delete controls of the steps themselves.
        max_num = len(STEP_NAMES)
        block_counts = {name: {"max_num": 1} for name in STEP_NAMES}
        form_classname = "gongyu-five-steps"

    def clean(self, value):
        # Checked even for drafts: a lesson of the wrong shape is never saved. Our messages,
        # step 1 to step 5, replace Wagtail's own count messages (they would say the same).
        messages = step_problems(child.block_type for child in value)
        try:
            cleaned = super().clean(value)
        except StreamBlockValidationError as error:
            if messages:
                error.non_block_errors = ErrorList([ValidationError(m) for m in messages])
            raise
        if messages:
            raise StreamBlockValidationError(non_block_errors=[ValidationError(m) for m in messages])
        return cleaned



def new_lesson_body():
    """What a new lesson's 五步教学法 field starts with: the five steps in order, each with one
    empty question/point/task to fill in."""
    return [
        ("video_intro", {"video": None, "text": ""}),
        ("discussion", {"text": "", "prompts": [""], "cases": []}),
        ("summary", {"text": "", "points": [""]}),
        ("homework", {"text": "", "tasks": [{"title": "", "text": ""}]}),
        ("extension", {"text": "", "micro_lessons": []}),
    ]
