from tests.security.roles import *  # noqa: F401,F403 - role fixtures
