"""Validating a whole package before anything is written: schema first, then cross-references.

Every problem is collected (not just the first), each with file, item and a Chinese message.
"""

import datetime
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from jsonschema import Draft202012Validator

from cms.catalogue.five_steps import step_problems
from transcoding.api import VideoRejected, validate_video

from .package import FORMAT, Package, Problem, load_schema

TYPE_NAMES = {
    "string": "文字", "integer": "整数", "number": "数字", "boolean": "true 或 false",
    "array": "列表", "object": "“字段: 值”映射", "null": "空值",
}


def _python_type_name(value):
    for name, kinds in (("boolean", bool), ("integer", int), ("number", float), ("string", str),
                        ("array", list), ("object", dict), ("null", type(None))):
        if isinstance(value, kinds):
            return TYPE_NAMES[name]
    return type(value).__name__


def _quoted_name(message):
    found = re.search(r"'([^']*)'", message)
    return found.group(1) if found else "?"


def schema_message(error):
    """A Chinese sentence for one jsonschema error."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        return f"缺少必填字段「{_quoted_name(error.message)}」。"
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        return f"不认识的字段「{'」「'.join(extra)}」。"
    if kind == "type":
        wanted = "或".join(TYPE_NAMES.get(t, t) for t in ([expected] if isinstance(expected, str) else expected))
        return f"应为{wanted},现在是{_python_type_name(value)}。"
    if kind == "pattern":
        hint = error.schema.get("description") or error.schema.get("title") or "格式不正确"
        return f"「{value}」格式不正确:{hint}。"
    if kind == "enum":
        return f"取值「{value}」无效,可选:{'、'.join(map(str, expected))}。"
    if kind == "const":
        return f"应为「{expected}」,现在是「{value}」。"
    if kind == "minLength":
        return "不能为空。" if expected == 1 else f"至少需要 {expected} 个字符。"
    if kind == "maxLength":
        return f"太长了:最多 {expected} 个字符,现在有 {len(value)} 个。"
    if kind == "minItems":
        return f"至少需要 {expected} 项。"
    if kind == "uniqueItems":
        return "列表中有重复项。"
    if kind == "minimum":
        return f"不能小于 {expected}。"
    if kind == "maximum":
        return f"不能大于 {expected}。"
    return f"内容不符合格式要求({error.message})。"


def item_path(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Validator:
    """Collects the problems of one package. ``known`` holds codes already in the database."""

    def __init__(self, package: Package, known=None):
        self.package = package
        self.known = known or {}
        self.problems = list(package.problems)
        schema = load_schema()
        self.validators = {
            kind: Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]})
            for kind in ("package", "taxonomy", "studio", "schools", "topics", "lectures")
        }
        self.schema_ok = set()
        self.videos_to_check = []

    def add(self, file, item, message):
        self.problems.append(Problem(file, item, message))

    def run(self):
        self.check_schemas()
        if "package.yaml" in self.schema_ok and self.package.info.get("format") != FORMAT:
            self.add("package.yaml", "format", f"只支持格式 {FORMAT}。")
        self.check_taxonomy()
        self.check_studios()
        self.check_videos()
        self.check_schools_and_topics()
        self.check_lectures()
        return self.problems

    def check_schemas(self):
        for name, data in self.package.documents.items():
            validator = self.validators[self.package.kind_of(name)]
            errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
            # An if/then step error is reported at the step; drop duplicate "allOf" summaries.
            seen = set()
            for error in errors:
                message = schema_message(error)
                key = (item_path(error.absolute_path), message)
                if key not in seen:
                    seen.add(key)
                    self.add(name, self.label(data, error.absolute_path), message)
            if not errors:
                self.schema_ok.add(name)

    @staticmethod
    def label(data, path):
        """``courses[0].lessons[1] (family-rules).title``: the path, with the item's key added."""
        text, node = "", data
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
            if isinstance(part, int) and isinstance(node, dict):
                key = node.get("slug") or node.get("code") or node.get("key") or node.get("school")
                if isinstance(key, str):
                    text += f" ({key})"
        return text

    # -- cross-references -------------------------------------------------------------------
    def codes(self, kind, listed):
        return set(listed) | set(self.known.get(kind, ()))

    def duplicates(self, file, items, key, what, prefix):
        counts = Counter(item.get(key) for item in items if isinstance(item, dict))
        for index, item in enumerate(items):
            if isinstance(item, dict) and counts[item.get(key)] > 1:
                self.add(file, f"{prefix}[{index}] ({item.get(key)})", f"{what}「{item.get(key)}」重复出现。")

    def check_taxonomy(self):
        tax = self.package.taxonomy if "taxonomy.yaml" in self.schema_ok else {}
        for section, what in (("stages", "学段编码"), ("themes", "主题编码"), ("problems", "问题编码")):
            self.duplicates("taxonomy.yaml", tax.get(section, []), "code", what, section)
        self.stages = self.codes("stages", (s["code"] for s in tax.get("stages", [])))
        self.themes = self.codes("themes", (t["code"] for t in tax.get("themes", [])))
        self.problem_codes = self.codes("problems", (p["code"] for p in tax.get("problems", [])))
        for index, problem in enumerate(tax.get("problems", [])):
            where = f"problems[{index}] ({problem['code']})"
            if problem["theme"] not in self.themes:
                self.add("taxonomy.yaml", where, f"未知的主题编码「{problem['theme']}」。")
            for stage in problem["stages"]:
                if stage not in self.stages:
                    self.add("taxonomy.yaml", where, f"未知的学段编码「{stage}」。")

    def check_shelves(self, file, where, item):
        for field, known, what in (("stages", self.stages, "学段编码"), ("themes", self.themes, "主题编码"),
                                   ("problems", self.problem_codes, "问题编码")):
            for code in item.get(field, []):
                if code not in known:
                    self.add(file, where, f"未知的{what}「{code}」。")

    def check_media(self, file, where, relative):
        message = self.package.media_problem(relative)
        if message:
            self.add(file, where, message)
        return message is None

    def check_video(self, file, where, relative):
        """Queue a video for the same checks as an upload in the admin (run in ``check_videos``)."""
        if self.check_media(file, where, relative):
            self.videos_to_check.append((file, where, relative))

    def check_videos(self):
        """ffprobe and decode-check every video not already stored with the same content, in parallel."""
        known = self.known.get("video_checksums", set())
        paths = {relative: self.package.media_path(relative) for _, _, relative in self.videos_to_check}
        fresh = [r for r in paths if self.package.media_sha1(r) not in known]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            verdicts = dict(zip(fresh, pool.map(lambda r: self.video_verdict(paths[r]), fresh), strict=True))
        for file, where, relative in self.videos_to_check:
            if verdicts.get(relative):
                self.add(file, where, f"「{relative}」:{verdicts[relative]}")

    @staticmethod
    def video_verdict(path):
        try:
            validate_video(path)
        except VideoRejected as rejection:
            return str(rejection)
        return None

    def check_studios(self):
        studios = {n: d for n, d in self.package.studio_files.items() if n in self.schema_ok}
        slug_owner, course_owner, micro_owner, video_owner = {}, {}, {}, {}

        def claim(registry, key, file, where, what):
            if key in registry and registry[key] != (file, where):
                self.add(file, where, f"{what}「{key}」重复:已在 {registry[key][0]} › {registry[key][1]} 使用。")
            else:
                registry[key] = (file, where)

        for name, studio in studios.items():
            claim(slug_owner, studio["slug"], name, "slug", "工作室标识")
            for i, video in enumerate(studio.get("videos", [])):
                where = f"videos[{i}] ({video['key']})"
                claim(video_owner, video["key"], name, where, "视频标识")
                self.check_video(name, where, video["file"])
            for i, course in enumerate(studio.get("courses", [])):
                claim(course_owner, course["slug"], name, f"courses[{i}] ({course['slug']})", "课程标识")
            for i, micro in enumerate(studio.get("micro_lessons", [])):
                where = f"micro_lessons[{i}] ({micro['slug']})"
                claim(micro_owner, micro["slug"], name, where, "微课标识")
                if micro["slug"] in {c["slug"] for c in studio.get("courses", [])}:
                    self.add(name, where, f"微课标识「{micro['slug']}」与本工作室的课程标识相同。")

        for name, studio in studios.items():
            for i, course in enumerate(studio.get("courses", [])):
                where = f"courses[{i}] ({course['slug']})"
                self.check_shelves(name, where, course)
                if course.get("cover"):
                    self.check_media(name, where, course["cover"])
                self.duplicates(name, course["lessons"], "slug", "课的标识", f"{where}.lessons")
                for j, lesson in enumerate(course["lessons"]):
                    self.check_lesson(name, f"{where}.lessons[{j}] ({lesson['slug']})", lesson, video_owner, micro_owner)
            for i, micro in enumerate(studio.get("micro_lessons", [])):
                where = f"micro_lessons[{i}] ({micro['slug']})"
                self.check_shelves(name, where, micro)
                if micro["video"] not in video_owner:
                    self.add(name, where, f"引用了不存在的视频「{micro['video']}」:请在 videos 中列出。")

    def check_lesson(self, file, where, lesson, videos, micro_lessons):
        steps = lesson["steps"]
        for message in step_problems(step.get("step") for step in steps):
            self.add(file, where, message)
        for k, step in enumerate(steps):
            if step.get("step") == "video_intro" and step.get("video") not in videos:
                self.add(file, f"{where}.steps[{k}]", f"引用了不存在的视频「{step.get('video')}」:请在 videos 中列出。")
            if step.get("step") == "extension":
                for slug in step.get("micro_lessons", []):
                    if slug not in micro_lessons and slug not in self.known.get("micro_lessons", ()):
                        self.add(file, f"{where}.steps[{k}]", f"引用了不存在的微课「{slug}」。")

    def check_schools_and_topics(self):
        schools = self.package.schools if "schools.yaml" in self.schema_ok else []
        self.duplicates("schools.yaml", schools, "code", "学校编码", "schools")
        for i, school in enumerate(schools):
            for stage in school.get("stages", []):
                if stage not in self.stages:
                    self.add("schools.yaml", f"schools[{i}] ({school['code']})", f"未知的学段编码「{stage}」。")
        school_codes = self.codes("schools", (s["code"] for s in schools))

        topics = self.package.topics if "topics.yaml" in self.schema_ok else []
        self.duplicates("topics.yaml", topics, "code", "课题编码", "topics")
        for i, topic in enumerate(topics):
            where = f"topics[{i}] ({topic['code']})"
            for code in topic.get("problems", []):
                if code not in self.problem_codes:
                    self.add("topics.yaml", where, f"未知的问题编码「{code}」。")
            active = [c for c in topic.get("claims", []) if c["status"] != "withdrawn"]
            if len(active) > topic["max_claims"]:
                self.add("topics.yaml", where, f"有 {len(active)} 个有效认领,超过了最多认领学校数 {topic['max_claims']}。")
            for code, count in Counter(c["school"] for c in active).items():
                if count > 1:
                    self.add("topics.yaml", where, f"学校「{code}」对同一课题有 {count} 个有效认领,只能有一个。")
            for j, claim in enumerate(topic.get("claims", [])):
                self.check_claim(f"{where}.claims[{j}] ({claim['school']})", claim, school_codes)

    def check_claim(self, where, claim, school_codes):
        for field in ("claimed_on", "started_on", "concluded_on"):
            if claim.get(field):
                try:
                    datetime.date.fromisoformat(claim[field])
                except ValueError:
                    self.add("topics.yaml", where, f"{field} 不是有效日期:「{claim[field]}」。")
                    return
        if claim["school"] not in school_codes:
            self.add("topics.yaml", where, f"未知的学校编码「{claim['school']}」。")
        started, concluded = claim.get("started_on"), claim.get("concluded_on")
        if started and started < claim["claimed_on"]:
            self.add("topics.yaml", where, "开题日期不能早于认领日期。")
        if concluded and (not started or concluded < started):
            self.add("topics.yaml", where, "结题日期不能早于开题日期,且必须先开题。")
        if claim["status"] == "concluded" and not concluded:
            self.add("topics.yaml", where, "状态为已结题时必须填写结题日期 concluded_on。")
        if claim["status"] in ("researching", "concluded") and not started:
            self.add("topics.yaml", where, "状态为研究中或已结题时必须填写开题日期 started_on。")
        if claim.get("report"):
            self.check_media("topics.yaml", where, claim["report"])


    def check_lectures(self):
        """lectures.yaml: known 学段 and school codes, groups defined once, pages that are lessons or
        micro-lessons of this package, weeks given by their Monday, one lecture per week, 学段 and group."""
        data = self.package.lectures if "lectures.yaml" in self.schema_ok else {}
        file = "lectures.yaml"
        groups = data.get("groups", [])
        self.duplicates(file, groups, "name", "学校分组", "groups")
        school_codes = self.codes("schools", (s["code"] for s in (
            self.package.schools if "schools.yaml" in self.schema_ok else [])))
        for i, group in enumerate(groups):
            for code in group["schools"]:
                if code not in school_codes:
                    self.add(file, f"groups[{i}] ({group['name']})", f"未知的学校编码「{code}」。")
        names = {g["name"] for g in groups} | set(self.known.get("school_groups", ()))
        pages = self.package.lecture_pages() | set(self.known.get("lecture_pages", ()))
        seen = Counter()
        for i, lecture in enumerate(data.get("lectures", [])):
            where = f"lectures[{i}] ({lecture['week']})"
            try:
                week = datetime.date.fromisoformat(lecture["week"])
            except ValueError:
                self.add(file, where, f"week 不是有效日期:「{lecture['week']}」。")
                continue
            if week.weekday() != 0:
                self.add(file, where, f"week 应是一周的周一:「{lecture['week']}」是星期{'一二三四五六日'[week.weekday()]}。")
            if lecture["stage"] not in self.stages:
                self.add(file, where, f"未知的学段编码「{lecture['stage']}」。")
            if lecture.get("group") and lecture["group"] not in names:
                self.add(file, where, f"未知的学校分组「{lecture['group']}」。")
            if lecture["page"] not in pages:
                self.add(file, where, f"找不到课或微课「{lecture['page']}」(写法:工作室/课程/课 或 工作室/微课)。")
            key = (lecture["week"], lecture["stage"], lecture.get("group"))
            seen[key] += 1
            if seen[key] == 2:
                self.add(file, where, "同一周、同一学段(和分组)只能安排一节课。")


def validate(package, known=None):
    """All problems of ``package`` (a Package), given codes ``known`` to exist already."""
    return Validator(package, known).run()
