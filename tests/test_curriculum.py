"""Curriculum packages: the demo catalogue, validation of broken packages, idempotent import."""


import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from cms.catalogue.models import CoursePage, LessonPage, MicroLessonPage, StudioPage
from cms.taxonomy.models import Problem, Stage, Theme
from cms.topics.models import ResearchTopic, TopicClaim
from curricula import yamlio
from curricula.api import ImportFailed, import_package
from transcoding.api import VideoAsset


def read(root, name):
    return yamlio.loads((root / name).read_text(encoding="utf-8"))


def write(root, name, data):
    (root / name).write_text(yamlio.dumps(data), encoding="utf-8")


def first_studio(root):
    return sorted((root / "studios").glob("*.yaml"))[0].relative_to(root).as_posix()


def database_state():
    return {
        "pages": Page.objects.count(),
        "live": Page.objects.live().count(),
        "revisions": Revision.objects.count(),
        "problems": Problem.objects.count(),
        "topics": ResearchTopic.objects.count(),
        "claims": TopicClaim.objects.count(),
        "videos": VideoAsset.objects.count(),
    }


def import_problems(root):
    with pytest.raises(ImportFailed) as caught:
        import_package(root, update=True)  # a valid package can clash only when it changes rows
    return [str(p) for p in caught.value.problems]


@pytest.mark.django_db
def test_the_demo_catalogue_is_complete():
    assert Problem.objects.count() >= 100
    assert Stage.objects.count() == 5
    assert Theme.objects.count() >= 8
    assert ResearchTopic.objects.count() == 50
    assert StudioPage.objects.live().count() >= 3
    assert CoursePage.objects.live().count() >= 12
    assert LessonPage.objects.live().count() >= 30
    assert MicroLessonPage.objects.live().count() >= 20
    # Every stage and at least 8 themes have problems; every lesson has a video to open with.
    assert all(stage.problems.exists() for stage in Stage.objects.all())
    assert sum(theme.problems.exists() for theme in Theme.objects.all()) >= 8
    for lesson in LessonPage.objects.live():
        assert lesson.step("video_intro")["video"] is not None


@pytest.mark.django_db
def test_a_package_draft_is_not_live(demo_package):
    drafts = [
        (course["slug"], lesson["slug"])
        for name in (demo_package / "studios").glob("*.yaml")
        for course in read(demo_package, name.relative_to(demo_package).as_posix()).get("courses", [])
        for lesson in course["lessons"] if lesson.get("draft")
    ]
    assert drafts, "the demo shows at least one draft lesson"
    for course_slug, lesson_slug in drafts:
        lesson = LessonPage.objects.get(slug=lesson_slug, path__startswith=CoursePage.objects.get(slug=course_slug).path)
        assert not lesson.live
        assert lesson.get_latest_revision() is not None


@pytest.mark.django_db
def test_importing_the_same_package_again_changes_nothing(demo_package):
    before = database_state()
    report = import_package(demo_package)
    assert report.changed == 0, report.summary()
    assert database_state() == before


@pytest.mark.django_db
def test_a_changed_package_updates_in_place(package_copy):
    name = first_studio(package_copy)
    studio = read(package_copy, name)
    lesson = studio["courses"][0]["lessons"][0]
    lesson["title"] = "修改后的课题目"
    lesson["steps"][2]["points"].append("新增的一条要点。")
    write(package_copy, name, studio)
    pages = Page.objects.count()
    assert import_package(package_copy).changed == 0   # by default the database's version is kept
    report = import_package(package_copy, update=True)
    assert report.counts[("五步教学法课", "updated")] == 1
    assert report.changed == 1
    page = LessonPage.objects.get(slug=lesson["slug"])
    assert page.title == "修改后的课题目" and page.live
    assert "新增的一条要点。" in list(page.step("summary")["points"])
    assert Page.objects.count() == pages


def break_yaml(root):
    (root / "taxonomy.yaml").write_text("stages: [kindergarten\nthemes: {", encoding="utf-8")
    return "taxonomy.yaml › YAML 格式错误"


def unknown_problem(root):
    name = first_studio(root)
    studio = read(root, name)
    studio["courses"][0]["problems"] = ["P999"]
    write(root, name, studio)
    return f"{name} › courses[0] ({studio['courses'][0]['slug']}) › 未知的问题编码「P999」"


def duplicated_slug(root):
    names = sorted(p.relative_to(root).as_posix() for p in (root / "studios").glob("*.yaml"))
    first, second = read(root, names[0]), read(root, names[1])
    second["courses"][0]["slug"] = first["courses"][0]["slug"]
    write(root, names[1], second)
    return f"课程标识「{first['courses'][0]['slug']}」重复"


def missing_media(root):
    name = first_studio(root)
    video = read(root, name)["videos"][0]
    (root / video["file"]).unlink()
    return f"{name} › videos[0] ({video['key']}) › 找不到媒体文件「{video['file']}」"


def four_steps(root):
    name = first_studio(root)
    studio = read(root, name)
    lesson = studio["courses"][0]["lessons"][0]
    lesson["steps"] = [s for s in lesson["steps"] if s["step"] != "summary"]
    write(root, name, studio)
    return f"courses[0] ({studio['courses'][0]['slug']}).lessons[0] ({lesson['slug']}) › 缺少第 3 步「问题总结」"


def wrong_types(root):
    topics = read(root, "topics.yaml")
    topics["topics"][0]["max_claims"] = "三所"
    write(root, "topics.yaml", topics)
    return "topics.yaml › topics[0] (T01).max_claims › 应为整数,现在是文字"


def prompts_not_a_list(root):
    name = first_studio(root)
    studio = read(root, name)
    studio["courses"][0]["lessons"][0]["steps"][1]["prompts"] = "只有一个问题"
    write(root, name, studio)
    return ".steps[1].prompts › 应为列表,现在是文字"


def unknown_field(root):
    info = read(root, "package.yaml")
    info["author"] = "某某"
    write(root, "package.yaml", info)
    return "package.yaml › 不认识的字段「author」"


def traversal_path(root):
    name = first_studio(root)
    studio = read(root, name)
    studio["videos"][0]["file"] = "media/videos/../../../etc/passwd"
    write(root, name, studio)
    return "格式不正确"


def corrupt_video(root):
    name = first_studio(root)
    video = read(root, name)["videos"][0]
    path = root / video["file"]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return f"{name} › videos[0] ({video['key']}) › 「{video['file']}」:视频文件不完整或已损坏"


def not_a_video(root):
    name = first_studio(root)
    video = read(root, name)["videos"][0]
    (root / video["file"]).write_text("<html>下载失败</html>", encoding="utf-8")
    return "无法识别这个文件:它不是视频"


def symlinked_media(root):
    name = first_studio(root)
    video = read(root, name)["videos"][0]
    target = root / video["file"]
    target.unlink()
    target.symlink_to("/etc/hostname")
    return "是符号链接或指向课程包之外"


def not_utf8(root):
    (root / "schools.yaml").write_bytes("schools:\n  - code: S001\n    name: 家长学校\n".encode("gbk"))
    return "schools.yaml › 文件不是 UTF-8 编码"


def over_claimed(root):
    topics = read(root, "topics.yaml")
    topic = next(t for t in topics["topics"] if t.get("claims"))
    topic["max_claims"] = 1
    topic["claims"] = [dict(topic["claims"][0], status="claimed", school=s) for s in ("S001", "S002")]
    for claim in topic["claims"]:
        claim.pop("started_on", None), claim.pop("concluded_on", None)
    write(root, "topics.yaml", topics)
    return "有 2 个有效认领,超过了最多认领学校数 1"


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", [
    break_yaml, unknown_problem, duplicated_slug, missing_media, four_steps, wrong_types,
    prompts_not_a_list, unknown_field, traversal_path, symlinked_media, not_utf8, over_claimed,
    corrupt_video, not_a_video,
])
def test_a_broken_package_is_refused_with_file_item_and_chinese_message_and_nothing_written(package_copy, breakage):
    expected = breakage(package_copy)
    before = database_state()
    problems = import_problems(package_copy)
    assert any(expected in problem for problem in problems), problems
    assert database_state() == before


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(package_copy):
    expected = [four_steps(package_copy), wrong_types(package_copy), missing_media(package_copy)]
    problems = import_problems(package_copy)
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)


@pytest.mark.django_db
def test_the_command_exits_non_zero_and_prints_each_problem(package_copy, capsys):
    expected = unknown_problem(package_copy)
    with pytest.raises(CommandError, match="处问题,未导入任何内容"):
        call_command("import_curriculum", str(package_copy))
    assert expected in capsys.readouterr().err


@pytest.mark.django_db
def test_check_only_validates(package_copy, capsys):
    call_command("import_curriculum", str(package_copy), "--check")
    assert "课程包校验通过" in capsys.readouterr().out
    four_steps(package_copy)
    with pytest.raises(CommandError):
        call_command("import_curriculum", str(package_copy), "--check")


@pytest.mark.django_db
def test_a_database_refusal_rolls_back_everything(package_copy):
    """A package valid on its own can still clash with the database; then nothing is kept."""
    topic = ResearchTopic.objects.filter(claims__isnull=False).distinct().first()
    topics = read(package_copy, "topics.yaml")
    item = next(t for t in topics["topics"] if t["code"] == topic.code)
    item["title"] = "改了名字的课题"
    item["max_claims"] = 1
    item["claims"] = []  # the claims already in the database still count
    write(package_copy, "topics.yaml", topics)
    if topic.active_claims().count() <= 1:
        pytest.skip("needs a demo topic with two active claims")
    before = database_state()
    problems = import_problems(package_copy)
    assert "写入数据库时出错,已全部撤销" in problems[0]
    assert database_state() == before
    assert ResearchTopic.objects.get(pk=topic.pk).title == topic.title
