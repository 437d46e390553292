"""Building Wagtail admin POST data for a lesson's five-step StreamField."""

from wagtail.test.utils.form_data import nested_form_data


def list_value(items):
    data = {"count": len(items)}
    for i, item in enumerate(items):
        data[i] = {"value": item, "deleted": "", "order": i, "id": ""}
    return data


def step(name, video_pk=None):
    values = {
        "video_intro": {"video": video_pk, "text": "导入语"},
        "discussion": {"text": "", "prompts": list_value(["孩子不听时,你通常怎么说?"]), "cases": list_value([])},
        "summary": {"text": "", "points": list_value(["先听完再说。"])},
        "homework": {"text": "", "tasks": list_value([{"title": "本周作业", "text": "每天倾听十分钟。"}])},
        "extension": {"text": "", "micro_lessons": list_value([])},
    }
    return name, values[name]


def lesson_form(title, slug, step_names, video_pk, publish=True):
    body = {"count": len(step_names)}
    for i, name in enumerate(step_names):
        block_type, value = step(name, video_pk)
        body[i] = {"type": block_type, "value": value, "deleted": "", "order": i, "id": ""}
    data = nested_form_data({"title": title, "slug": slug, "summary": "一节测试课", "body": body})
    data["action-publish" if publish else "action-draft"] = "1"
    return data
