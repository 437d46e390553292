"""Settings for the gunicorn server the admin crawl starts: the real settings, serving the
admin's static files straight from the apps (tests collect no static files)."""

from cms.settings import *  # noqa: F401,F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
AXES_ENABLED = False
