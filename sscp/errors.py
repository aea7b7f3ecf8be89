"""The pages that answer when something is wrong: errors, and the health check.

Every 5xx page is built here by `error_response`, which logs the page's reference
in the same record as the traceback. Django calls `server_error` (handler500) for
any exception that nothing else handled, wherever it was raised: in a middleware
before any view (loading the session from a database that is down), in a view, in
a template, or in a middleware on the way out (saving the session).
"""

import logging
import os
import secrets
import sys
from pathlib import Path

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sscp.context_processors import ORGANISATION_NAME, SERVICE_NAME

logger = logging.getLogger("sscp.errors")

# Seconds a browser or client is told to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 60


def error_reference() -> str:
    """A short reference a person can quote, and that finds the full error in the logs."""
    return secrets.token_hex(4).upper()


def _render_error_page(template: str, context: dict) -> str:
    # Rendered without the request, so without the context processors: they read the
    # signed-in user, and the database that holds the session may be what failed.
    names = {"service_name": SERVICE_NAME, "organisation_name": ORGANISATION_NAME}
    return render_to_string(template, {**names, **context})


def error_response(request, exception) -> HttpResponse:
    """The page for an unhandled exception: 503 for the database, else 500; logged once.

    A database error gets its own page: every write is in a transaction that has
    been rolled back, so the page can say truthfully that nothing was saved.
    """
    reference = getattr(request, "error_reference", None) or error_reference()
    request.error_reference = reference
    if isinstance(exception, DatabaseError):
        what, status, template = "Database error", 503, "database_error.html"
        # Who is signed in is in the session, in the database that failed: any
        # middleware asking on the way out would wait for it, and fail, again.
        request.user = AnonymousUser()
    else:
        what, status, template = "Unhandled error", 500, "500.html"
    logger.error(
        "%s on %s %s, reference %s",
        what,
        request.method,
        request.path,
        reference,
        exc_info=(type(exception), exception, exception.__traceback__) if exception else None,
    )
    page = _render_error_page(
        template, {"reference": reference, "saving": request.method not in {"GET", "HEAD"}}
    )
    response = HttpResponse(page, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    # Logged above, with the reference: Django's own "Internal Server Error" record
    # would repeat the traceback without it.
    response._has_been_logged = True
    return response


def server_error(request):
    """handler500. Django calls it while handling the exception, so sys.exc_info() names it."""
    return error_response(request, sys.exc_info()[1])


def _probe_connection():
    """A PostgreSQL connection of its own for the health check, with its own timeouts.

    A database that accepts connections and never answers must not hold the check
    for the web pages' DATABASE_CONNECT_TIMEOUT: the probe gives up connecting, and
    running its query, after HEALTHZ_DATABASE_TIMEOUT seconds.
    """
    probe = connections.create_connection("default")
    options = {
        **probe.settings_dict.get("OPTIONS", {}),
        "connect_timeout": settings.HEALTHZ_DATABASE_TIMEOUT,
    }
    probe.settings_dict = {**probe.settings_dict, "OPTIONS": options}  # a copy: shared
    return probe


def _database_state() -> str:
    """1. Connect (PostgreSQL: a probe connection of its own, closed afterwards).
    2. Limit this connection's statements to HEALTHZ_DATABASE_TIMEOUT.
    3. Read the sessions table, which every signed-in page reads first: a table held
       locked by a stuck migration fails the check as it fails the pages.
    """
    probe = _probe_connection() if connection.vendor == "postgresql" else connection
    try:
        with probe.cursor() as cursor:
            if probe.vendor == "postgresql":
                milliseconds = str(settings.HEALTHZ_DATABASE_TIMEOUT * 1000)
                cursor.execute("SELECT set_config('statement_timeout', %s, false)", [milliseconds])
            cursor.execute("SELECT 1 FROM django_session LIMIT 1")
    except DatabaseError:
        return "unavailable"
    finally:
        if probe is not connection:
            probe.close()
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

    It answers within about HEALTHZ_DATABASE_TIMEOUT seconds even when the database
    hangs. The broker's state is reported but does not fail the check: pages work
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
