"""The 五步教学法 rule: a lesson is exactly five steps, each once, in this order.

One pure function checks a list of step names and says in Chinese what is wrong; the admin form
(``FiveStepsBlock.clean``), ``LessonPage.clean`` and the curriculum importer all call it.
"""

STEPS = (
    ("video_intro", "视频导入"),
    ("discussion", "现场研讨"),
    ("summary", "问题总结"),
    ("homework", "作业巩固"),
    ("extension", "微课延伸"),
)
STEP_NAMES = tuple(name for name, _ in STEPS)
STEP_LABELS = dict(STEPS)


def label(name):
    return STEP_LABELS.get(name, name)


def step_problems(names):
    """Return the Chinese messages for everything wrong with this sequence of step names."""
    names = list(names)
    messages = []
    for name in names:
        if name not in STEP_LABELS:
            messages.append(f"未知的步骤「{name}」:五步教学法只有 {'、'.join(STEP_LABELS.values())}。")
    for position, name in enumerate(STEP_NAMES, start=1):
        count = names.count(name)
        if count == 0:
            messages.append(f"缺少第 {position} 步「{label(name)}」。")
        elif count > 1:
            messages.append(f"第 {position} 步「{label(name)}」出现了 {count} 次,每一步只能有一次。")
    if messages:
        return messages
    for position, (expected, actual) in enumerate(zip(STEP_NAMES, names, strict=False), start=1):
        if expected != actual:
            messages.append(f"第 {position} 步应为「{label(expected)}」,现在是「{label(actual)}」。")
    if messages:
        messages.append("五步教学法的顺序是:" + " → ".join(STEP_LABELS.values()) + "。")
    return messages
