"""What moved to its app still works where users meet it, and the curriculum importer finds a
studio's folder by the studio, not by a name that can change or repeat."""

import pytest
from django.core.management import get_commands
from django.template import Context, Template
from wagtail.models import Collection

from cms.catalogue.models import LessonPage, StudioPage
from cms.studios.api import ensure_studio
from curricula.importer import Importer

pytestmark = pytest.mark.django_db


def test_the_importer_files_videos_in_the_studios_own_collection_after_a_rename():
    studio = StudioPage.objects.order_by("path").first()
    own = ensure_studio(studio).collection
    studio.title = "改过名的工作室"
    studio.save_revision().publish()
    # Another folder now carries the studio's name: a lookup by name would file the videos there.
    Collection.get_first_root_node().add_child(name="改过名的工作室")
    assert Importer(package=None).studio_collection(studio) == own


def test_moved_commands_and_filter_answer_under_their_old_names():
    commands = get_commands()
    assert commands["ensure_admin"] == "cms.accounts"
    assert commands["build_site"] == "cms.publishing"
    lesson = LessonPage.objects.live().order_by("path").first()
    hidden = LessonPage.objects.live().order_by("path")[1]
    hidden.unpublish()
    rendered = Template("{% load public_pages %}{% for p in pages|visible %}[{{ p.pk }}]{% endfor %}").render(
        Context({"pages": LessonPage.objects.filter(pk__in=[lesson.pk, hidden.pk])}))
    assert f"[{lesson.pk}]" in rendered and f"[{hidden.pk}]" not in rendered


def test_the_school_claim_page_lives_in_topics():
    from django.urls import reverse

    from cms.topics import school_views

    assert reverse("studios_school_topics") == "/admin/school-topics/"
    assert school_views.school_topics.__module__ == "cms.topics.school_views"
