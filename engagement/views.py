"""The ingest endpoint the parent site's ``engagement.js`` posts to (no cookies, no CSRF: the
site is static and on another origin; a plain-text body keeps it a CORS "simple request")."""

import time

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import ingest as ingesting
from .tasks import schedule_rollup

SCHEDULE_EVERY = 15.0   # seconds between two checks of this process that a rollup is queued
_last_schedule = [0.0]


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def events(request):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "POST":
        return _cors(JsonResponse({"error": "只接受 POST。"}, status=405))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = ingesting.limits()["body"]
    if length > limit:
        return _cors(JsonResponse({"error": "数据太大。"}, status=413))
    body = request.read(limit + 1)
    try:
        outcome = ingesting.ingest(body, ingesting.client_address(request))
    except ingesting.Refused as refused:
        return _cors(JsonResponse({"error": refused.message}, status=refused.status))
    if outcome.accepted and time.monotonic() - _last_schedule[0] > SCHEDULE_EVERY:
        _last_schedule[0] = time.monotonic()
        schedule_rollup()
    return _cors(JsonResponse(outcome.as_dict()))
