"""Hostile curriculum YAML is refused in Chinese in a moment, before objects are built from it."""

import time
import tracemalloc

import pytest

from curricula.package import Package

BOMB = """format: gongyu-curriculum/1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def read(root):
    tracemalloc.start()
    started = time.monotonic()
    package = Package(root)
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\n{root.name}: {elapsed:.2f} s, peak {peak / 1024**2:.1f} MB, {[str(p) for p in package.problems]}")
    return package, peak


@pytest.fixture
def package_dir(tmp_path):
    root = tmp_path / "hostile"
    (root / "studios").mkdir(parents=True)
    (root / "package.yaml").write_text("format: gongyu-curriculum/1\n", encoding="utf-8")
    return root


def test_an_alias_bomb_is_refused_before_it_expands(package_dir):
    (package_dir / "package.yaml").write_text(BOMB, encoding="utf-8")
    package, peak = read(package_dir)
    assert [str(p) for p in package.problems] == [
        "package.yaml › 内容太多:展开后超过 2,000,000 个节点(可能是别名反复展开)。"]
    assert peak < 50 * 1024**2


def test_too_many_aliases(package_dir):
    text = "format: gongyu-curriculum/1\nx: &x 1\nys: [" + ",".join(["*x"] * 101) + "]\n"
    (package_dir / "package.yaml").write_text(text, encoding="utf-8")
    package, _ = read(package_dir)
    assert [str(p) for p in package.problems] == [
        "package.yaml › 别名(*)太多,超过 100 个。课程包不需要锚点和别名,请写出完整内容。"]


def test_deep_nesting(package_dir):
    text = "format: gongyu-curriculum/1\nx: " + "[" * 5000 + "]" * 5000 + "\n"
    (package_dir / "package.yaml").write_text(text, encoding="utf-8")
    package, _ = read(package_dir)
    assert [str(p) for p in package.problems] == ["package.yaml › 嵌套太深,超过 40 层。"]


def test_a_50_mb_file_is_refused_by_its_size(package_dir):
    with open(package_dir / "studios" / "huge.yaml", "w", encoding="utf-8") as out:
        line = "# " + "填充" * 500 + "\n"
        while out.tell() < 50 * 1024**2:
            out.write(line)
    package, peak = read(package_dir)
    assert [str(p) for p in package.problems] == ["studios/huge.yaml › 文件太大(50.0 MB),上限是 20.0 MB。"]
    assert peak < 20 * 1024**2
