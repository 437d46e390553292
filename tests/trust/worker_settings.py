"""Settings of the real worker the convergence tests start: the real settings, with a publish cut
off by a killed worker counted as lost after 15 s instead of 10 minutes (the tests kill it)."""

from cms.settings import *  # noqa: F403

GONGYU_PUBLISH_STALE_SECONDS = 15
