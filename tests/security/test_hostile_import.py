"""Hostile curriculum packages: every value in tests/hostile_inputs.py is either refused with a
Chinese message (and nothing is written) or stored verbatim and shown as plain text."""

import os
import re

import pytest
from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from wagtail.models import Page

from cms.catalogue.models import LessonPage
from curricula import yamlio
from curricula.api import ImportFailed, check_package, import_package
from tests import hostile_inputs as H

CJK = re.compile(r"[\u4e00-\u9fff]")
STUDIO = "studios/liumin-communication.yaml"


def load(root, name=STUDIO):
    return yamlio.loads((root / name).read_text("utf-8"))


def save(root, data, name=STUDIO):
    (root / name).write_text(yamlio.dumps(data), "utf-8")


def lessons(data):
    return [lesson for course in data["courses"] for lesson in course["lessons"]]


def problems_of(root):
    return check_package(root)[1]


def assert_refused_in_chinese(root, what):
    problems = problems_of(root)
    assert problems, f"{what!r} was accepted"
    assert all(CJK.search(p.message) for p in problems), [p.message for p in problems]
    return problems


def public_url(page):
    return "/" + page.url_path.split("/", 2)[2]


@pytest.mark.django_db
def test_hostile_text_is_stored_verbatim_and_shown_as_plain_text(package_copy, client):
    studio_files = sorted((package_copy / "studios").glob("*.yaml"))
    slots = []
    for path in studio_files:
        data = yamlio.loads(path.read_text("utf-8"))
        for lesson in lessons(data):
            slots.append((path, data, lesson))
    assert len(slots) >= len(H.TEXT)
    for text, (_path, _data, lesson) in zip(H.TEXT, slots, strict=False):
        lesson["title"] = text[:120]
        lesson["summary"] = text[:500]
        for step in lesson["steps"]:
            if step["step"] == "homework":
                step["tasks"][0]["text"] = text
    for path in studio_files:
        data = next(d for p, d, _ in slots if p == path)
        path.write_text(yamlio.dumps(data), "utf-8")

    import_package(package_copy, update=True)
    for text, (_, _, item) in zip(H.TEXT, slots, strict=False):
        page = LessonPage.objects.get(slug=item["slug"])
        if not page.live:  # the demo's draft lesson: its text is in the latest revision
            page = page.get_latest_revision_as_object()
        assert page.title == text[:120] and page.summary == text[:500]
        assert next(c.value for c in page.body if c.block_type == "homework")["tasks"][0]["text"] == text
        if not page.live:
            continue
        html = client.get(public_url(page)).content.decode()
        assert escape(text[:120]) in html
        if "<" in text:
            assert text[:120] not in html  # never as markup
    for url in ("/", "/studios/"):
        assert "<script>alert" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_over_long_text_is_refused_in_chinese(package_copy):
    data = load(package_copy)
    lessons(data)[0]["title"] = "长" * 2000
    save(package_copy, data)
    problems = assert_refused_in_chinese(package_copy, "2000-character title")
    assert any(p.file == STUDIO for p in problems)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", H.SLUGS, ids=range(len(H.SLUGS)))
def test_hostile_slugs_are_refused_and_nothing_is_written(package_copy, slug):
    data = load(package_copy)
    lessons(data)[0]["slug"] = slug
    save(package_copy, data)
    assert_refused_in_chinese(package_copy, slug)
    before = Page.objects.count()
    with pytest.raises(ImportFailed):
        import_package(package_copy)
    assert Page.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", H.FILENAMES, ids=range(len(H.FILENAMES)))
def test_hostile_media_paths_are_refused(package_copy, name):
    data = load(package_copy)
    data["videos"][0]["file"] = name
    save(package_copy, data)
    assert_refused_in_chinese(package_copy, name)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", H.MALFORMED_UTF8, ids=range(len(H.MALFORMED_UTF8)))
def test_malformed_utf8_is_refused(package_copy, raw):
    (package_copy / "topics.yaml").write_bytes(b"topics:\n  - code: T01\n    " + raw)
    problems = assert_refused_in_chinese(package_copy, raw)
    assert any("UTF-8" in p.message and p.file == "topics.yaml" for p in problems)


@pytest.mark.django_db
def test_symlinked_media_and_files_are_refused(package_copy, tmp_path):
    data = load(package_copy)
    video = package_copy / data["videos"][0]["file"]
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(video.read_bytes())
    video.unlink()
    video.symlink_to(outside)
    problems = assert_refused_in_chinese(package_copy, "symlinked video")
    assert any("符号链接" in p.message for p in problems)
    topics = package_copy / "topics.yaml"
    (tmp_path / "topics.yaml").write_bytes(topics.read_bytes())
    topics.unlink()
    topics.symlink_to(tmp_path / "topics.yaml")
    assert any("符号链接" in p.message and p.file == "topics.yaml" for p in problems_of(package_copy))


@pytest.mark.django_db
def test_a_zip_bomb_sized_media_file_is_refused_without_reading_it(package_copy):
    data = load(package_copy)
    video = package_copy / data["videos"][0]["file"]
    with open(video, "r+b") as handle:  # sparse: 3 GiB on paper, nothing on disk
        handle.truncate(3 * 1024**3)
    problems = assert_refused_in_chinese(package_copy, "3 GiB video")
    assert any("太大" in p.message for p in problems)
    os.truncate(video, 0)


# -- property-based: the importer never crashes, and keeps what it accepts verbatim ------------

# Any text but surrogates (which UTF-8 cannot carry); YAML's own line breaks (NEL, U+2028/9, CR)
# included: the package writer quotes and escapes them.
TITLES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=150)
SUMMARIES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=600)


@pytest.mark.django_db
@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=TITLES, summary=SUMMARIES)
def test_any_lesson_title_is_refused_in_chinese_or_kept_verbatim(package_copy, title, summary):
    data = load(package_copy)
    item = lessons(data)[0]
    item["title"], item["summary"] = title, summary
    save(package_copy, data)
    problems = problems_of(package_copy)
    if problems:
        assert all(CJK.search(p.message) for p in problems)
        return
    with transaction.atomic():
        import_package(package_copy, update=True)  # the lesson exists: changing it needs --update
        page = LessonPage.objects.get(slug=item["slug"])
        assert (page.title, page.summary) == (title, summary)
        transaction.set_rollback(True)
