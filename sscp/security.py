"""
Protections that sit around every request: who the client really is, how often an
anonymous address may be refused, what a CSRF failure answers, and that no signed-in
page is kept by a browser or a proxy.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass
from functools import wraps

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from audits.models import AccessEvent
from audits.services import access_record

logger = logging.getLogger(__name__)

REFUSAL_WINDOW = 3600  # seconds: refusals are counted per clock hour


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind BEHIND_PROXY the address the farthest
    of the TRUSTED_PROXY_COUNT trusted proxies saw.

    Each proxy appends to X-Forwarded-For the address it was connected from, so with N
    trusted proxies the client is the N-th address from the right. Whatever is to the
    left of it came from the client, who may have written anything there.
    """
    peer = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return peer
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return peer
    # Fewer addresses than proxies: every one was written by a proxy; the first is the client's.
    address = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return peer


@dataclass(frozen=True)
class Refusal:
    """A kind of refusal that anyone, signed in or not, can cause as often as they like."""

    name: str  # in the counter's key
    kind: str  # AccessEvent.Kind of each record
    status_code: int
    many: str  # in the summary: "50 more {many} from ADDRESS in the last hour"


CALENDAR_GUESS = Refusal(
    "calendar",
    AccessEvent.Kind.REFUSED,
    404,
    "requests for calendar feed addresses that do not exist",
)
SIGN_IN_FAILURE = Refusal("sign-in", AccessEvent.Kind.SIGN_IN_FAILED, 200, "failed sign-ins")
LOCKOUT = Refusal("lockout", AccessEvent.Kind.LOCKED_OUT, 429, "sign-ins refused while locked out")
CSRF_FAILURE = Refusal(
    "csrf",
    AccessEvent.Kind.CSRF_FAILURE,
    403,
    "forms refused for a missing or wrong security token",
)


def _window() -> tuple[int, int]:
    """The number of the hour now, and the seconds left in it."""
    now = int(time.time())
    return now // REFUSAL_WINDOW, REFUSAL_WINDOW - now % REFUSAL_WINDOW


def _counter(request, refusal: Refusal) -> tuple[str, int]:
    """The cache key counting `refusal`s from this client this hour, and the seconds left."""
    window, left = _window()
    return f"refusals:{refusal.name}:{client_ip(request) or 'unknown'}:{window}", left


def _count(request, refusal: Refusal) -> int | None:
    """Add one to this client's count of `refusal` this hour; None if the cache is down."""
    key, left = _counter(request, refusal)
    try:
        cache.add(key, 0, timeout=left + 60)
        try:
            return cache.incr(key)
        except ValueError:  # the hour ended between add() and incr()
            cache.add(key, 1, timeout=REFUSAL_WINDOW)
            return 1
    except (OSError, redis.RedisError):
        logger.warning("Refusals are not being counted: the cache is not answering")
        return None


def retry_after(request, refusal: Refusal) -> int:
    """Seconds until this client's `refusal`s are answered again; 0 while they are."""
    key, left = _counter(request, refusal)
    try:
        count = cache.get(key, 0)
    except (OSError, redis.RedisError):
        return 0  # recorded one by one meanwhile (see _count); never a reason to refuse
    return left if count >= settings.ANONYMOUS_REFUSAL_BLOCK else 0


def record_refusal(request, refusal: Refusal, *, detail: str = "", obj=None) -> None:
    """Put a refusal on the sealed record, a bounded number of times an hour per address.

    1. Count it against its kind and the client's address (client_ip), this clock
       hour, in Django's cache (Redis in production: shared by every process, and
       atomic; cache.add then cache.incr).
    2. The first ANONYMOUS_REFUSALS_RECORDED are sealed one by one.
    3. The ANONYMOUS_REFUSAL_BLOCK-th is sealed as one record counting those since
       step 2, "N more … from ADDRESS in the last hour"; from then on the address is
       answered 429 (`refusals_limited`, `csrf_failure`) until the hour is up, and
       nothing more is written.
    4. Any other is only counted.
    If the cache is down, every refusal is sealed: nothing goes unrecorded.
    """
    count = _count(request, refusal)
    recorded, block = settings.ANONYMOUS_REFUSALS_RECORDED, settings.ANONYMOUS_REFUSAL_BLOCK
    if count is None or count <= recorded:
        access_record(
            request,
            kind=refusal.kind,
            status_code=refusal.status_code,
            ip_address=client_ip(request),
            obj=obj,
            detail=detail,
        )
    elif count == block:
        address = client_ip(request) or "an unknown address"
        access_record(
            request,
            kind=AccessEvent.Kind.REFUSALS_COUNTED,
            status_code=429,
            ip_address=client_ip(request),
            detail=f"{count - recorded} more {refusal.many} from {address} in the last hour",
        )


def too_many_refusals(wait: int) -> HttpResponse:
    response = HttpResponse(
        "Too many refused requests from this address. Try again later.\n",
        content_type="text/plain; charset=utf-8",
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def refusals_limited(refusal: Refusal):
    """For a view anyone may call, such as the calendar feed (decorate it, and raise Http404
    or PermissionDenied to refuse): each refusal goes on the record by `record_refusal`,
    and an address past ANONYMOUS_REFUSAL_BLOCK of them this hour is answered 429 with
    Retry-After before the view runs."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if wait := retry_after(request, refusal):
                return too_many_refusals(wait)
            try:
                return view(request, *args, **kwargs)
            except (Http404, PermissionDenied) as refused:
                record_refusal(request, refusal, detail=str(refused))
                raise

        return limited

    return decorator


def csrf_failure(request, reason=""):
    """A form refused by CSRF protection (CSRF_FAILURE_VIEW): a GOV.UK page, on the record."""
    if wait := retry_after(request, CSRF_FAILURE):
        return too_many_refusals(wait)
    record_refusal(request, CSRF_FAILURE, detail=reason)
    return render(request, "registration/csrf_failure.html", status=403)


# Pages about signing in, by URL name: never kept, signed in or not.
ACCOUNT_PAGES = {"login", "logout"}


def is_account_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match else ""
    return name in ACCOUNT_PAGES or name.startswith("password")


class NoStoreMiddleware:
    """Signed-in pages are never kept by the browser or a proxy (issue 15, item 14).

    After signing out on a shared computer, Back must not show what the person saw.
    Every response to a signed-in request (one with a session), and the sign-in and
    password pages, gets `Cache-Control: no-store, private`, added to what the view
    set; a response the view already marked no-store (a download) keeps its own
    headers. Static files are answered by WhiteNoise before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response  # the view's own (a download, the calendar feed): already kept nowhere
        if is_signed_in(request) or is_account_page(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


def is_signed_in(request) -> bool:
    """Signed in, or perhaps: a request with a session cookie counts without asking the
    database, which may be the reason this response is an error page."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
