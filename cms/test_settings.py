"""Settings for the test suite: a private state folder per run, tasks run at once, no
collected static files. Everything else is the real settings module."""

import os
import tempfile

os.environ["GONGYU_VAR_DIR"] = tempfile.mkdtemp(prefix="gongyu-test-")
os.environ["GONGYU_TESTING"] = "1"
# The demo import in the test DB setup does not transcode its 58 videos; tests that need a
# ladder call transcoding.api.transcode_now() on the assets they use.
os.environ.setdefault("GONGYU_TRANSCODE_ON_IMPORT", "0")
os.environ.setdefault("GONGYU_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from cms.settings import *  # noqa: E402,F403

# No collected static files in tests, so no WhiteNoise either.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405

# Login lockouts are off in tests (Django's test client logs in without a request); the
# rate-limit tests turn them on.
AXES_ENABLED = False
