"""GET /api/search/ and /api/search/suggest/: JSON for the parent site and apps."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from cms.core import ratelimit

from . import api

logger = logging.getLogger("gongyu")
UNAVAILABLE = "搜索服务暂时不可用,请稍后再试。"
TOO_MANY = "搜索太频繁了,请过一分钟再试。"


def _json(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store" if status >= 400 else "public, max-age=60"
    return response


def _unavailable(error):
    logger.warning("search backend failed: %r", error)
    return _json({"error": UNAVAILABLE}, status=503)


def _over_limit(request):
    """A 429 once this address has searched more than GONGYU_SEARCH_PER_MINUTE times this minute
    (search and suggest counted together; per worker process, see cms.core.ratelimit)."""
    if ratelimit.allow("search", ratelimit.client_address(request), settings.GONGYU_SEARCH_PER_MINUTE):
        return None
    response = _json({"error": TOO_MANY}, status=429)
    response["Retry-After"] = str(ratelimit.seconds_to_next_minute())
    return response


def _backend_errors():
    errors = [DatabaseError]
    try:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        errors += [TransportError, ApiError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


@require_GET
def search(request):
    if refused := _over_limit(request):
        return refused
    params = request.GET
    try:
        result = api.search(
            params.get("q", ""),
            stage=params.getlist("stage") or None,
            theme=params.getlist("theme") or None,
            problem=params.getlist("problem") or None,
            kind=params.getlist("kind") or None,
            page=params.get("page", 1),
        )
    except api.QueryError as error:
        return _json({"error": str(error)}, status=400)
    except _backend_errors() as error:
        return _unavailable(error)
    return _json(result)


@require_GET
def suggest(request):
    if refused := _over_limit(request):
        return refused
    try:
        items = api.suggest(request.GET.get("q", ""))
    except api.QueryError as error:
        return _json({"error": str(error)}, status=400)
    except _backend_errors() as error:
        return _unavailable(error)
    return _json({"query": request.GET.get("q", ""), "suggestions": items})
