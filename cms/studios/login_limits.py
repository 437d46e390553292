"""Login limits (django-axes): per user name from one address, and per address across names.

Axes counts failures for each lockout parameter set (``[username, ip_address]`` and
``ip_address``) and compares the largest count with one limit. This limit is therefore chosen
per request: once the pair (name, address) has ``GONGYU_LOGIN_FAILURE_LIMIT`` failures, that
limit applies (the pair is locked); otherwise the address's total across all names is held to
``GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS`` (password spraying from one address is locked, while
a school's shared address survives a few teachers mistyping).
"""

from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def failure_limit(request, credentials=None):
    per_user = settings.GONGYU_LOGIN_FAILURE_LIMIT
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    pair = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        n=Sum("failures_since_start"))["n"] or 0
    return per_user if pair >= per_user else settings.GONGYU_LOGIN_FAILURE_LIMIT_PER_ADDRESS


def cooloff_text():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"{minutes} 分钟"
