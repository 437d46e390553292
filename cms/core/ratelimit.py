"""Per-address request limits for the public JSON endpoints (search, suggest, WeChat signing).

``client_address`` is the one reading of the client's address behind ``GONGYU_PROXY_COUNT``
proxies (the same rule django-axes uses for logins). ``allow`` counts requests per address and
minute in this process's memory, bounded to ``MAX_KEYS`` addresses (least recently seen dropped):
with several gunicorn workers an address gets up to workers × the limit, which is documented —
the limit is a brake on one client hammering an endpoint, not an accounting. The participation
endpoint keeps its own cross-process quota in the database (``engagement.ingest``).
"""

from __future__ import annotations

import collections
import threading
import time

from django.conf import settings

MAX_KEYS = 10_000
_counts: collections.OrderedDict[tuple[str, str], list] = collections.OrderedDict()
_lock = threading.Lock()


def client_address(request) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if forwarded and proxies:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[max(len(hops) - proxies, 0)]
    return request.META.get("REMOTE_ADDR", "")


def allow(scope: str, address: str, per_minute: int) -> bool:
    """Count one request of ``address`` to ``scope``; False once it is over ``per_minute``."""
    minute = int(time.time() // 60)
    key = (scope, address)
    with _lock:
        entry = _counts.pop(key, None)
        if entry is None or entry[0] != minute:
            entry = [minute, 0]
        entry[1] += 1
        _counts[key] = entry
        while len(_counts) > MAX_KEYS:
            _counts.popitem(last=False)
        return entry[1] <= per_minute


def seconds_to_next_minute() -> int:
    return 60 - int(time.time()) % 60
