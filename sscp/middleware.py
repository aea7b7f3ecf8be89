import logging
import secrets
import time

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

logger = logging.getLogger("sscp.errors")

# What Django answers with a 4xx page of its own, logged by it as a warning: a
# guessed address or a refused request is not an error of the service.
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


def error_reference() -> str:
    """A short reference a person can quote, and that finds the full error in the logs."""
    return secrets.token_hex(4).upper()


class ErrorReferenceMiddleware:
    """Give each unhandled error a reference, logged with its traceback; show only the reference.

    A database that refuses a write or read gets its own page: the request's
    transaction has been rolled back, so the page can say truthfully that nothing
    was changed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, CLIENT_ERRORS):
            return None
        reference = error_reference()
        request.error_reference = reference
        if isinstance(exception, DatabaseError):
            logger.error(
                "Database error on %s %s, reference %s",
                request.method,
                request.path,
                reference,
                exc_info=exception,
            )
            page = render_to_string(
                "database_error.html", {"reference": reference, "saving": request.method == "POST"}
            )
            response = HttpResponse(page, status=503)
            response["Retry-After"] = "60"
            return response
        logger.error(
            "Unhandled error on %s %s, reference %s",
            request.method,
            request.path,
            reference,
            exc_info=exception,
        )
        return None  # Django's handler500 shows the page, with the reference


IDLE_CLOCK_KEY = "_idle_clock"
IDLE_CLOCK_RESOLUTION = 60  # seconds


class IdleTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_MINUTES without a request.

    The session cookie and row live for SESSION_COOKIE_AGE; each request restarts
    that clock by saving the session, at most once a minute so that reading a
    page does not always write to the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            restart_idle_clock(session)
        return response


def restart_idle_clock(session, *, force=False) -> None:
    now = int(time.time())
    if force or now - session.get(IDLE_CLOCK_KEY, 0) >= IDLE_CLOCK_RESOLUTION:
        session[IDLE_CLOCK_KEY] = now  # marks the session modified: saved with a new expiry
