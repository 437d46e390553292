"""Settings for the test suite (as bakerydemo's ``settings/test.py``): the real settings module
with the test-only differences here and nowhere else.

Environment first, so that the servers and workers a test starts (``manage.py db_worker``,
gunicorn with ``DJANGO_SETTINGS_MODULE=cms.settings``) inherit the same choices: no collected
static files, no automatic site publishes unless a test turns them on.
"""

import os
import tempfile

os.environ["GONGYU_VAR_DIR"] = tempfile.mkdtemp(prefix="gongyu-test-")
os.environ["GONGYU_TESTING"] = "1"  # kept for the tests' own subprocess environments; settings read none of it
os.environ["GONGYU_STATIC_MANIFEST"] = "0"
os.environ.setdefault("GONGYU_SITE_AUTO_PUBLISH", "0")
# The demo import in the test DB setup does not transcode its 58 videos; tests that need a
# ladder call transcoding.api.transcode_now() on the assets they use.
os.environ.setdefault("GONGYU_TRANSCODE_ON_IMPORT", "0")
os.environ.setdefault("GONGYU_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from cms.settings import *  # noqa: E402,F403

# Tests collect no static files, so no manifest and no WhiteNoise either.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405

# Login lockouts are off in tests (Django's test client logs in without a request); the
# rate-limit tests turn them on.
AXES_ENABLED = False

# The search tests send hundreds of API requests a minute from one test client; the limit's own
# test lowers it again for an address of its own.
GONGYU_SEARCH_PER_MINUTE = 1_000_000
