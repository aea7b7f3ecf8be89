"""
Signing in and asking for a new password, with the limits that keep guessing slow.

- Sign-in: django-axes locks a (username, client address) pair after
  AXES_FAILURE_LIMIT failures. One address could still try a password against
  every username, so failures from an address are also counted, whatever the
  username (SIGN_IN_ADDRESS_FAILURE_RATE): past it, that address sees the same
  locked-out page, even with the right password, until the window ends. Only
  failures count. The address is the real client's (sscp.security.client_ip), so
  people behind one load balancer are not locked out together.
- A second factor: a person with one (django-otp) is not signed in by their
  password alone. The session remembers, for SECOND_STEP_SECONDS, whose password
  was right, and the code page (accounts.views.two_factor_verify) finishes signing
  in once a code is right. Nothing is signed in before then: no session of theirs,
  no last sign-in time, django-axes' failures not yet reset.
- Password reset: an address that has an account and one that has not take the
  same path, doing the same work: validate, count against the rate limits (per
  address asked for, PASSWORD_RESET_RATE; per client, PASSWORD_RESET_CLIENT_RATE),
  add one row to the outbox. A worker finds the accounts and sends the links
  (sscp.outbox), so the answer, and the time it takes, say nothing about accounts.
"""

import datetime
import logging
import math
import time
from dataclasses import dataclass

import redis
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.db import transaction
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_ratelimit.core import get_usage

from sscp import tasks
from sscp.forms import SignInForm, posted
from sscp.models import OutgoingEmail
from sscp.templatetags.sscp import in_words

logger = logging.getLogger(__name__)

SIGN_IN_FAILURES = "sign-in-failures-by-address"


# Signing in --------------------------------------------------------------------


class SignInView(LoginView):
    """Django's sign-in page, also limiting failed sign-ins from one client address."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if _failures_from(request).locked:
            return _locked_out(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if user_has_device(user, confirmed=True):
            begin_second_step(self.request, user, self.get_success_url())
            return redirect("two-factor-verify")
        self.request.session.pop(SECOND_STEP, None)
        return super().form_valid(form)

    def form_invalid(self, form):
        if _is_failed_sign_in(form) and _failures_from(self.request, count_one=True).locked:
            return _locked_out(self.request)
        return super().form_invalid(form)


# The second step: a code from the person's second factor -------------------------

SECOND_STEP = "sign_in_second_step"
SECOND_STEP_SECONDS = 10 * 60


def begin_second_step(request, user, next_url: str) -> None:
    """Remember whose password was right, and where they were going, until a code is."""
    request.session[SECOND_STEP] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": int(time.time()),
    }


def second_step_user(request):
    """The person whose password was right in this session, waiting to give a code; None
    if there is none, or it has been more than SECOND_STEP_SECONDS."""
    waiting = request.session.get(SECOND_STEP)
    if not waiting or time.time() - waiting["at"] > SECOND_STEP_SECONDS:
        return None
    return get_user_model()._default_manager.filter(pk=waiting["user"], is_active=True).first()


def finish_second_step(request, user) -> str:
    """Sign the person in, now that their code was right; where they were going."""
    waiting = request.session.pop(SECOND_STEP)
    auth_login(request, user, backend=waiting["backend"])
    return waiting["next"]


def _is_failed_sign_in(form) -> bool:
    """Whether a username and password were tried and refused (not merely left blank)."""
    return any(form.has_error(NON_FIELD_ERRORS, code) for code in ("invalid_login", "inactive"))


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins from one client address in the current window of the rate."""

    count: int
    limit: int
    time_left: int  # seconds until the window ends

    @property
    def locked(self) -> bool:
        # As django-axes counts: the failure that reaches the limit locks, so that the
        # rate is the most failures an address can have.
        return self.count >= self.limit


def _failures_from(request, *, count_one: bool = False) -> Failures:
    """The client address's failures (django-ratelimit's counter, key "ip": the address
    sscp.security.client_ip finds), counting one more if `count_one`.

    With the cache down nothing can be counted, and sign-in goes on unlimited by
    address: django-axes, in the database, still locks each username and address.
    """
    usage = _usage(
        request,
        group=SIGN_IN_FAILURES,
        key="ip",
        rate=settings.SIGN_IN_ADDRESS_FAILURE_RATE,
        increment=count_one,
    )
    if usage is None:
        return Failures(count=0, limit=1, time_left=0)
    return Failures(usage["count"], usage["limit"], usage["time_left"])


UNLIMITED = {"count": 0, "limit": 1, "should_limit": False, "time_left": 0}


def _usage(request, **limit) -> dict | None:
    """django-ratelimit's count for this request (UNLIMITED with RATELIMIT_ENABLE off);
    None when the cache is down and nothing can be counted."""
    try:
        usage = get_usage(request, **limit)
    except (OSError, redis.RedisError):
        usage = {"limit": 0}
    if usage is None:
        return UNLIMITED
    if usage["limit"] == 0:  # what get_usage says when it could not count
        logger.warning("%s is not being counted: the cache is not answering", limit["group"])
        return None
    return usage


def _locked_out(request):
    context = {
        "locked_by": "address",
        "cooloff_timedelta": _rounded_up(_failures_from(request).time_left),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)


def _rounded_up(seconds: int) -> datetime.timedelta:
    """What is left of a rate limit's window, in whole minutes: never "0 minutes"."""
    return datetime.timedelta(minutes=max(math.ceil(seconds / 60), 1))


# Asking for a new password ---------------------------------------------------------


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class NewPasswordForm(SetPasswordForm):
    """Django's form for choosing a new password, in GOV.UK's words, with what is wrong
    with the password shown at the password, not at its confirmation."""

    error_messages = {"password_mismatch": "The two passwords do not match: type them again"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Type the new password again"

    def clean(self):
        # Django checks the password's strength at its confirmation; it is the new
        # password itself that is too weak, so that is where it is said.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class NewPasswordView(PasswordResetConfirmView):
    form_class = NewPasswordForm


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a link to choose a new password: the same answer for any address."""
    form = PasswordResetRequestForm(posted(request))
    status = 200
    if form.is_valid():
        address = form.cleaned_data["email"]
        wait = _password_reset_wait(request, address)
        if wait is None:
            password_reset_request(address=address)
            return redirect("password_reset_done")
        form.add_error("email", wait)
        status = 429
    return render(request, "registration/password_reset_form.html", {"form": form}, status=status)


def _password_reset_wait(request, address: str) -> str | None:
    """Count the request against both limits; what to tell the person if one is past.

    With the cache down nothing can be counted: RATELIMIT_FAIL_OPEN says whether
    the request goes on unlimited, or is asked to wait a minute.
    """
    by_client = _usage(
        request,
        group="password-reset-by-client",
        key="ip",
        rate=settings.PASSWORD_RESET_CLIENT_RATE,
        increment=True,
    )
    by_address = _usage(
        request,
        group="password-reset-by-address",
        key=lambda group, request: address.casefold(),
        rate=settings.PASSWORD_RESET_RATE,
        increment=True,
    )
    if by_address is None or by_client is None:
        return None if settings.RATELIMIT_FAIL_OPEN else _wait(60, "password reset link")
    if by_address["should_limit"]:
        return _wait(by_address["time_left"], "link for this email address")
    if by_client["should_limit"]:
        return _wait(by_client["time_left"], "password reset link")
    return None


def _wait(seconds: int, what: str) -> str:
    return f"Wait {in_words(_rounded_up(seconds))} before asking for another {what}"


@transaction.atomic
def password_reset_request(*, address: str) -> OutgoingEmail:
    """Put a password reset link for `address` in the outbox, and ask a worker to send it.

    Nothing here looks for an account with the address: the worker does that when
    it sends (sscp.outbox.deliver), and cancels the row if there is none.
    """
    return tasks.queue(OutgoingEmail.Kind.PASSWORD_RESET, address)
