import time

from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError

from sscp.errors import error_response


class ErrorReferenceMiddleware:
    """A view's database error: the "database" page (503), even with DEBUG on.

    Every other unhandled exception, and a database error raised outside a view (in
    a middleware, before or after it), reaches Django's handler500,
    sscp.errors.server_error, which gives the same pages: each with a reference,
    logged with its traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError):
            return error_response(request, exception)
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
        # After a 5xx the session may be what failed: reading it again would fail
        # again, or wait for a hung database a second time.
        if response.status_code < 500 and session is not None and SESSION_KEY in session:
            restart_idle_clock(session)
        return response


def restart_idle_clock(session, *, force=False) -> None:
    now = int(time.time())
    if force or now - session.get(IDLE_CLOCK_KEY, 0) >= IDLE_CLOCK_RESOLUTION:
        session[IDLE_CLOCK_KEY] = now  # marks the session modified: saved with a new expiry
