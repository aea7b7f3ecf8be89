import logging
import secrets
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DatabaseError
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from sscp.errors import error_response
from sscp.permissions import Withdrawn


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


class WithdrawnMiddleware:
    """A page about a record withdrawn as logged in error (sscp.permissions.Withdrawn):
    410 Gone, with when, by whom and why, and where to go instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Withdrawn):
            return None
        record = exception.record
        kind = record._meta.verbose_name
        parent = getattr(record, "recommendation", None) or getattr(record, "review", None)
        timeline = reverse(f"{kind}-timeline", args=[request.partnership.slug, record.pk])
        context = {"record": record, "kind": kind, "timeline": timeline}
        if kind != "review" and parent is not None and not parent.is_withdrawn:
            context["parent"] = parent
        return render(request, "withdrawn.html", context, status=410)


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


logger = logging.getLogger(__name__)

# What a form posted after its session ended held, kept this long for its person.
KEPT_FORM_SECONDS = 15 * 60
KEPT = "kept"  # the query parameter naming it
CSRF_FIELD = "csrfmiddlewaretoken"


class KeepWhatWasTypedMiddleware:
    """A form posted after the person's session ended (left past the idle limit) loses
    nothing: what was typed is kept on the server (the cache) for KEPT_FORM_SECONDS under
    a random key, for the person whose session it was, and they are sent to sign in; the
    address they come back to names the key, and the same form comes back filled
    (`sscp.forms.posted`). Never in a cookie. Files chosen for upload are not kept.

    It comes after the CSRF check, so only the service's own forms are kept, and before
    LoginRequiredMiddleware, which would send the person to sign in with nothing kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None  # a page for anyone (signing in): nothing to keep
        owner = _ended_session_user(request)
        if owner is None:
            return None  # not a session that timed out: sign in as usual
        key = secrets.token_urlsafe(24)
        typed = {
            name: values for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"
        }
        try:
            cache.set(_cache_key(key), {"user": owner, "path": request.path, "data": typed},
                      KEPT_FORM_SECONDS)  # fmt: skip
        except Exception:  # the cache is down: sign in as before, without what was typed
            logger.warning("Could not keep a form posted after its session ended", exc_info=True)
            return None
        return redirect_to_login(f"{request.path}?{urlencode({KEPT: key})}")


def _ended_session_user(request) -> int | None:
    """Whose session the request's cookie named, if it has ended but is still on record."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    session = Session.objects.filter(session_key=key).first() if key else None
    user_id = session.get_decoded().get(SESSION_KEY) if session is not None else None
    return int(user_id) if user_id else None


def _cache_key(key: str) -> str:
    return f"kept-form:{key}"


def kept_form(request) -> dict | None:
    """What the signed-in person typed into this page's form before their session ended,
    if the address names it: {field: [values]}."""
    key = request.GET.get(KEPT)
    if not key or not request.user.is_authenticated:
        return None
    try:
        kept = cache.get(_cache_key(key))
    except Exception:
        logger.warning("Could not read a kept form", exc_info=True)
        return None
    if not kept or kept["user"] != request.user.pk or kept["path"] != request.path:
        return None
    return kept["data"]
