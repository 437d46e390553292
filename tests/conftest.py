import shutil
from pathlib import Path

import pytest

from curricula.demo_media import make_package_media

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "curricula" / "demo"


@pytest.fixture(scope="session")
def demo_package(tmp_path_factory):
    """A copy of the demo package with small generated videos (read-only for tests)."""
    root = tmp_path_factory.mktemp("demo") / "package"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("media"))
    make_package_media(root, seconds=1, size="320x180")
    return root


@pytest.fixture
def package_copy(demo_package, tmp_path):
    """A private, writable copy of the demo package, for tests that break it."""
    root = tmp_path / "package"
    shutil.copytree(demo_package, root)
    return root


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, demo_package):
    """The test database starts with the demo catalogue imported, as a fresh install has."""
    from django.db import connection

    from curricula.api import import_package

    with django_db_blocker.unblock():
        import_package(demo_package)
        # Transactional tests restore this state afterwards (serialized_rollback=True).
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "", "pw-editor-123", first_name="编辑")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test starts with empty caches. A test's database changes are rolled back, but a cache
    would keep what it stored: Wagtail caches renditions by image id and filter, so the next test's
    new image (same id after the rollback) got the previous test's rendition, whose row is gone."""
    yield
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
