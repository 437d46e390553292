from tests.search.conftest import es_node  # noqa: F401 - the real Elasticsearch node (session)
from tests.security.roles import *  # noqa: F401,F403 - role fixtures
