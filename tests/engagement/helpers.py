"""Shared helpers for the participation tests: real schools and live lesson pages of the demo."""

import itertools
import json
import secrets
import time

_ids = itertools.count(1)


def live_lessons(n=3):
    from cms.catalogue.models import LessonPage
    from cms.studios.public import visible_to_public

    return list(visible_to_public(LessonPage.objects.all()).order_by("pk").values_list("pk", flat=True)[:n])


def device():
    return secrets.token_hex(16)


def event(kind, page, **extra):
    return {"id": f"e{next(_ids)}", "kind": kind, "page": page, "t": int(time.time() * 1000), **extra}


def batch(dev, school, events, klass=None):
    data = {"device": dev, "school": school, "events": events}
    if klass is not None:
        data["class"] = klass
    return json.dumps(data)
