"""
The second factor, asked for before anything else.

A person signed in who has a second factor, but has not given a code in this session
(a session signed in before they set it up, say), is sent to give one; a person whom a
partnership of theirs requires to use one, and who has none, is sent to set it up.
Until then they reach only the pages that let them do it, sign out, or read the
accessibility statement. Signing in asks for the code itself (sscp.accounts).

Whether the person has a second factor is looked up once a session (at sign-in, when
`remember_second_factor` runs), not on every page: pages keep their query counts. It
is looked up again by the code and set-up pages, so a stale answer corrects itself
there: a second factor reset by the partnership team, one set up in another session.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import has_second_factor, second_factor_required

HAS_SECOND_FACTOR = "accounts_has_second_factor"

# Pages anyone signed in may reach before their second factor is settled.
ALWAYS_ALLOWED = {
    "logout",
    "two-factor-setup",
    "two-factor-verify",
    "accessibility",
    "healthz",
}


def remember_second_factor(sender, request, user, **kwargs):
    """On signing in (user_logged_in): note in the session whether the person has a
    second factor, so that pages need not ask the database."""
    if request is not None and hasattr(request, "session"):
        request.session[HAS_SECOND_FACTOR] = has_second_factor(user)


def session_has_second_factor(request) -> bool:
    known = request.session.get(HAS_SECOND_FACTOR)
    if known is None:  # a session signed in before this was noted
        known = request.session[HAS_SECOND_FACTOR] = has_second_factor(request.user)
    return known


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware (which says whether this session gave a code):
    send a signed-in person who still owes their second factor to the page for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.url_name in ALWAYS_ALLOWED:
            return None
        if session_has_second_factor(request):
            return redirect(_with_next(reverse("two-factor-verify"), request))
        if second_factor_required(user):
            return redirect("two-factor-setup")
        return None


def _with_next(url: str, request) -> str:
    if request.method != "GET":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"
