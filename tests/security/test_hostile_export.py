"""Property: whatever a lesson's title is, the Markdown export keeps it as data (front matter
that parses back to it) and the page body shows it escaped, never as markup."""

import json

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cms.catalogue.models import LessonPage
from tests import hostile_inputs as H

TITLES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120).filter(str.strip)


def front_matter(text):
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head), body


@pytest.mark.django_db
@hsettings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(title=H.TEXT[0])
@example(title="--- \nfront: matter\n---")
@example(title="{{ config }} {% include x %}")
@given(title=TITLES)
def test_markdown_export_keeps_any_title_as_data(tmp_path_factory, title):
    from cms.publishing.api import export_markdown

    lesson = LessonPage.objects.live().order_by("path").first()
    lesson.title = title
    lesson.save_revision().publish()
    out = tmp_path_factory.mktemp("md")
    export_markdown(out / "site")
    path = out / "site" / ("/".join(lesson.url_path.strip("/").split("/")[1:]) + "/index.md")
    front, body = front_matter(path.read_text("utf-8"))
    assert title in front["title"] or json.dumps(title, ensure_ascii=False)[1:-1] in front["title"]
    if "<" in title:
        assert title not in body  # never as markup
    shown = BeautifulSoup(body, "html.parser").get_text()
    assert " ".join(title.split()) in " ".join(shown.split())  # as text
