"""Reading a package folder: files, YAML, media paths. Nothing here touches the database."""

import dataclasses
import json
from functools import cached_property
from pathlib import Path

import yaml
from django.conf import settings

from . import yamlio
from .hashing import sha1_of_file

SCHEMA_PATH = Path(__file__).with_name("schema.json")
FORMAT = "gongyu-curriculum/1"

# file name (or glob) -> the schema $defs entry it follows
SINGLE_FILES = {"package.yaml": "package", "taxonomy.yaml": "taxonomy", "schools.yaml": "schools", "topics.yaml": "topics",
                "lectures.yaml": "lectures"}
STUDIO_GLOB = "studios/*.yaml"

# Bounds checked while the YAML is read, before any object is built from it (a 50 MB file or an
# alias bomb is refused in a moment, with a few MB of memory). Settings of the same name override.
MAX_YAML_FILE_BYTES = 20 * 1024**2
MAX_YAML_TOTAL_BYTES = 200 * 1024**2
MAX_YAML_ALIASES = 100  # the format never needs them; exports write none
MAX_YAML_DEPTH = 40
MAX_YAML_NODES = 2_000_000  # per file, aliases counted as often as they are used


def limit(name):
    return getattr(settings, f"GONGYU_{name}", globals()[name])


class YamlTooBig(yaml.YAMLError):
    """``str()`` is the message for the user."""


class BoundedLoader(yamlio._Loader):
    """The package loader, refusing too many aliases, too deep nesting, or too many nodes
    (counting what each alias would expand to) while the document is composed."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > limit("MAX_YAML_ALIASES"):
                raise YamlTooBig(f"别名(*)太多,超过 {limit('MAX_YAML_ALIASES')} 个。课程包不需要锚点和别名,请写出完整内容。")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > limit("MAX_YAML_DEPTH"):
            raise YamlTooBig(f"嵌套太深,超过 {limit('MAX_YAML_DEPTH')} 层。")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node.value, list):
            for item in node.value:
                for child in item if isinstance(item, tuple) else (item,):
                    size += self._sizes.get(id(child), 1)
        self._sizes[id(node)] = size
        if size > limit("MAX_YAML_NODES"):
            raise YamlTooBig(f"内容太多:展开后超过 {limit('MAX_YAML_NODES'):,} 个节点(可能是别名反复展开)。")
        return node


def _size_text(n):
    return f"{n / 1024**2:.1f} MB"


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a package: where it is and what, in Chinese."""

    file: str
    item: str
    message: str

    def __str__(self):
        where = f"{self.file} › {self.item}" if self.item else self.file
        return f"{where} › {self.message}"


def load_schema():
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


class Package:
    """The YAML documents of one package folder, read once, with the problems met on the way."""

    def __init__(self, root):
        self.root = Path(root)
        self.problems = []
        self.documents = {}  # relative file name -> parsed data (only files that parsed)
        self._sha1 = {}
        self._read()

    def _read(self):
        if not self.root.is_dir():
            self.problems.append(Problem(str(self.root), "", "找不到课程包文件夹。"))
            return
        if not (self.root / "package.yaml").is_file():
            self.problems.append(Problem("package.yaml", "", "缺少 package.yaml:每个课程包都要有它。"))
        names = [name for name in SINGLE_FILES if (self.root / name).exists()]
        names += sorted(p.relative_to(self.root).as_posix() for p in self.root.glob(STUDIO_GLOB))
        for name in names:
            data = self._parse(name)
            if data is not None:
                self.documents[name] = data

    def _parse(self, name):
        path = self.root / name
        if path.is_symlink() or not path.is_file():
            self.problems.append(Problem(name, "", "不是普通文件(不接受符号链接)。"))
            return None
        size = path.stat().st_size
        if size > limit("MAX_YAML_FILE_BYTES"):
            self.problems.append(Problem(name, "", f"文件太大({_size_text(size)}),上限是 {_size_text(limit('MAX_YAML_FILE_BYTES'))}。"))
            return None
        self._total = getattr(self, "_total", 0) + size
        if self._total > limit("MAX_YAML_TOTAL_BYTES"):
            self.problems.append(Problem(name, "", f"课程包的 YAML 文件合计太大(已超过 {_size_text(limit('MAX_YAML_TOTAL_BYTES'))})。"))
            return None
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            self.problems.append(Problem(name, "", f"文件不是 UTF-8 编码(第 {error.start} 字节附近)。"))
            return None
        if "\x00" in text:
            self.problems.append(Problem(name, "", "文件中含有空字符(NUL),无法读取。"))
            return None
        try:
            data = yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass
        except YamlTooBig as error:
            self.problems.append(Problem(name, "", str(error)))
            return None
        except RecursionError:
            self.problems.append(Problem(name, "", f"嵌套太深,超过 {limit('MAX_YAML_DEPTH')} 层。"))
            return None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
            self.problems.append(Problem(name, "", f"YAML 格式错误,{where}:{error.problem}。"))
            return None
        except yaml.YAMLError as error:
            self.problems.append(Problem(name, "", f"YAML 格式错误:{error}。"))
            return None
        if not isinstance(data, dict):
            self.problems.append(Problem(name, "", "文件内容应为“字段: 值”的映射,而不是列表或单个值。"))
            return None
        return data

    def kind_of(self, name):
        return SINGLE_FILES.get(name, "studio")

    # Convenient views over the documents (empty when a file is absent or unreadable).
    @property
    def info(self):
        return self.documents.get("package.yaml", {})

    @property
    def taxonomy(self):
        return self.documents.get("taxonomy.yaml", {})

    @cached_property
    def studio_files(self):
        return {name: data for name, data in self.documents.items() if name.startswith("studios/")}

    @property
    def schools(self):
        return self.documents.get("schools.yaml", {}).get("schools", [])

    @property
    def topics(self):
        return self.documents.get("topics.yaml", {}).get("topics", [])

    @property
    def lectures(self):
        """lectures.yaml: {"groups": [...], "lectures": [...]} (本周家长课; optional file)."""
        return self.documents.get("lectures.yaml", {})

    def lecture_pages(self):
        """The page references a lecture may use: "studio/course/lesson" and "studio/micro"."""
        refs = set()
        for studio in self.studio_files.values():
            for course in studio.get("courses", []):
                refs.update(f"{studio['slug']}/{course['slug']}/{lesson['slug']}" for lesson in course.get("lessons", []))
            refs.update(f"{studio['slug']}/{micro['slug']}" for micro in studio.get("micro_lessons", []))
        return refs

    def media_problem(self, relative):
        """Why the media file at ``relative`` cannot be used, or None if it can."""
        path = self.root / relative
        try:
            resolved = path.resolve(strict=True)
        except (FileNotFoundError, RuntimeError, OSError):
            return f"找不到媒体文件「{relative}」。"
        if path.is_symlink() or not resolved.is_relative_to(self.root.resolve()):
            return f"媒体文件「{relative}」是符号链接或指向课程包之外,不予接受。"
        if not resolved.is_file():
            return f"「{relative}」不是文件。"
        size = resolved.stat().st_size
        if size == 0:
            return f"媒体文件「{relative}」是空文件。"
        if size > settings.GONGYU_MAX_MEDIA_FILE_BYTES:
            limit = settings.GONGYU_MAX_MEDIA_FILE_BYTES / 1024**2
            return f"媒体文件「{relative}」太大({size / 1024**2:.0f} MB),上限是 {limit:.0f} MB。"
        return None

    def media_path(self, relative):
        return self.root / relative

    def media_sha1(self, relative):
        """SHA-1 of a media file, read once per package (validator and importer both ask)."""
        if relative not in self._sha1:
            self._sha1[relative] = sha1_of_file(self.media_path(relative))
        return self._sha1[relative]
