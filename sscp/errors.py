"""The pages that answer when something is wrong: errors, and the health check."""

import os
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sscp.middleware import error_reference


def server_error(request):
    """The 500 page: a reference to quote, never a traceback. Needs no database."""
    reference = getattr(request, "error_reference", None) or error_reference()
    return HttpResponseServerError(render_to_string("500.html", {"reference": reference}))


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unavailable"
    return "ok"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        folder = Path(settings.CELERY_BROKER_QUEUE_DIR)
        return "ok" if folder.is_dir() and os.access(folder, os.W_OK) else "unavailable"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 while the database answers, 503 when it does not.

    The broker's state is reported but does not fail the check: pages work
    without it, and reminders wait in the outbox until it is back.
    """
    database = _database_state()
    healthy = database == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": database,
            "broker": _broker_state(),
        },
        status=200 if healthy else 503,
    )
