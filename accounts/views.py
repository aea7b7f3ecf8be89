"""
Your account: a person's own name, email address, password and second factor.
"""

from base64 import b32encode
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import services
from accounts.forms import EmailChangeForm, NameForm, PasswordForm, SetUpCodeForm, SignInCodeForm
from accounts.middleware import HAS_SECOND_FACTOR
from accounts.models import (
    LINK_NOT_RIGHT,
    EmailChange,
    has_second_factor,
    partnerships_requiring,
    recovery_codes_left,
)
from sscp.accounts import SECOND_STEP, finish_second_step, second_step_user
from sscp.context_processors import SERVICE_NAME
from sscp.forms import call_service, posted
from sscp.middleware import restart_idle_clock
from sscp.permissions import user_memberships
from sscp.security import SIGN_IN_FAILURE, record_refusal

FORM_METHODS = ["GET", "POST"]
NEW_RECOVERY_CODES = "accounts_new_recovery_codes"


@require_GET
def account(request):
    user = request.user
    context = {
        "memberships": user_memberships(user),
        "pending_email": EmailChange.objects.filter(
            user=user, status=EmailChange.Status.PENDING
        ).first(),
        "second_factor": has_second_factor(user),
        "required_by": partnerships_requiring(user),
        "recovery_codes_left": recovery_codes_left(user),
    }
    return render(request, "accounts/account.html", context)


@require_POST
def session_keep(request):
    """ "Stay signed in", from the timeout warning: the idle clock starts again."""
    restart_idle_clock(request.session, force=True)
    return HttpResponse(status=204)


def _form_page(request, form, *, title: str, button: str, **extra):
    context = {"form": form, "title": title, "button": button, "back_url": reverse("account")}
    return render(request, "components/form_page.html", context | extra)


@require_http_methods(FORM_METHODS)
def account_name(request):
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name}
    form = NameForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        renamed = call_service(
            form, services.user_rename, actor=user, user=user, **form.cleaned_data
        )
        if renamed is not None:
            messages.success(request, "Your name has been changed")
            return redirect("account")
    return _form_page(request, form, title="Change your name", button="Save your name")


@require_http_methods(FORM_METHODS)
def account_email(request):
    user = request.user
    form = EmailChangeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        change = call_service(
            form,
            services.email_change_request,
            actor=user,
            user=user,
            new_email=form.cleaned_data["email"],
        )
        if change is not None:
            messages.success(
                request,
                f"We have sent a link to {change.new_email}. Follow it to confirm your new "
                "email address.",
            )
            return redirect("account")
    return _form_page(
        request,
        form,
        title="Change your email address",
        button="Send a confirmation link",
        intro=f"Your email address is {user.email}." if user.email else None,
    )


@require_http_methods(FORM_METHODS)
def account_email_confirm(request, token):
    """The link sent to a new address: a page with a button that confirms it (following
    the link changes nothing by itself: mail scanners follow links too), or why it cannot
    be used."""
    change = EmailChange.objects.for_token(token).select_related("user").first()
    refusal = LINK_NOT_RIGHT if change is None else change.refusal(request.user)
    if request.method == "POST" and refusal is None:
        try:
            services.email_change_confirm(actor=request.user, token=token)
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            messages.success(request, f"Your email address is now {change.new_email}")
            return redirect("account")
    return render(request, "accounts/email_confirm.html", {"change": change, "refusal": refusal})


@require_http_methods(FORM_METHODS)
def account_password(request):
    user = request.user
    form = PasswordForm(user, posted(request))
    if request.method == "POST" and form.is_valid():
        changed = call_service(
            form,
            services.password_change,
            actor=user,
            user=user,
            new_password=form.cleaned_data["new_password1"],
        )
        if changed is not None:
            update_session_auth_hash(request, changed)  # this session stays signed in
            messages.success(request, "Your password has been changed")
            return redirect("account")
    return _form_page(request, form, title="Change your password", button="Save the new password")


# The second factor ---------------------------------------------------------------


@require_http_methods(FORM_METHODS)
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), then give a code
    it shows, which turns it on; the recovery codes are shown next, once."""
    user = request.user
    if has_second_factor(user):
        request.session[HAS_SECOND_FACTOR] = True
        if not user.is_verified():  # set up in another session: this one owes a code
            return redirect("two-factor-verify")
        messages.info(request, "Two-factor authentication is already set up for your account")
        return redirect("account")
    form = SetUpCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        turned_on = call_service(
            form, services.second_factor_confirm, actor=user, user=user, code=code
        )
        if turned_on is not None:
            return _turned_on(request, turned_on)
    device = services.second_factor_start(user=user)
    key = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_code": _qr_svg(_app_address(user, device, key)),
        "key": _spaced(key),
        "required_by": partnerships_requiring(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _turned_on(request, turned_on: services.TurnedOn):
    otp_login(request, turned_on.device)  # this session has given a code
    request.session[HAS_SECOND_FACTOR] = True
    request.session[NEW_RECOVERY_CODES] = turned_on.recovery_codes
    messages.success(request, "Two-factor authentication is on")
    return redirect("two-factor-recovery-codes")


def _app_address(user, device, key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code: the key, and
    the service's name and the username to list it under."""
    label = quote(f"{SERVICE_NAME}:{user.get_username()}")
    params = urlencode({"secret": key, "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{label}?{params}&issuer={quote(SERVICE_NAME)}"


def _qr_svg(uri: str) -> str:
    """The QR code of the app's set-up address, drawn here as an inline SVG: no request
    to anywhere else, nothing the Content Security Policy refuses."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#0b0c0c", light="#ffffff", svgclass="sscp-qr-code"
    )
    label = "QR code to scan with your authenticator app"
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _spaced(key: str) -> str:
    """A key in groups of four characters, easier to type."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@require_http_methods(FORM_METHODS)
def two_factor_recovery_codes(request):
    """The recovery codes just made, shown this once; or how many are left, and a button
    to make new ones."""
    user = request.user
    if not has_second_factor(user):
        return redirect("two-factor-setup")
    if request.method == "POST":
        codes = services.recovery_codes_renew(actor=user, user=user)
        request.session[NEW_RECOVERY_CODES] = codes
        messages.success(request, "You have new recovery codes: the earlier ones no longer work")
        return redirect("two-factor-recovery-codes")
    context = {
        "codes": request.session.pop(NEW_RECOVERY_CODES, None),
        "left": recovery_codes_left(user),
    }
    return render(request, "accounts/recovery_codes.html", context)


@login_not_required
@require_http_methods(FORM_METHODS)
def two_factor_verify(request):
    """The code that finishes signing in (sscp.accounts.SignInView), or that a signed-in
    session owes (accounts.middleware). Wrong codes are refused sign-ins, on the record."""
    signing_in = second_step_user(request)
    person = signing_in or (request.user if request.user.is_authenticated else None)
    if person is None:
        return _sign_in_again(request)
    if signing_in is None and (request.user.is_verified() or not has_second_factor(person)):
        request.session[HAS_SECOND_FACTOR] = has_second_factor(person)
        return HttpResponseRedirect(_next(request))
    form = SignInCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        check = services.second_factor_check(user=person, code=form.cleaned_data["code"])
        if check.device is not None:
            return _verified(request, signing_in, check)
        record_refusal(request, SIGN_IN_FAILURE, obj=person, detail=f"Code: {check.refusal}")
        form.add_error("code", check.refusal)
    context = {"form": form, "next": "" if signing_in else _next(request)}
    return render(request, "accounts/two_factor_verify.html", context)


def _sign_in_again(request):
    if request.session.pop(SECOND_STEP, None) is not None:
        messages.info(request, "Signing in took too long. Sign in again.")
    return redirect_to_login(request.get_full_path())


def _verified(request, signing_in, check: services.CodeCheck):
    next_url = finish_second_step(request, signing_in) if signing_in else _next(request)
    otp_login(request, check.device)
    request.session[HAS_SECOND_FACTOR] = True
    if check.recovery_codes_left is not None:
        messages.info(
            request,
            f"You used a recovery code: you have {check.recovery_codes_left} left. Each one "
            "works once. You can make new ones from Your account.",
        )
    return HttpResponseRedirect(next_url)


def _next(request) -> str:
    """Where to go after the code: the page asked for, if it is one of ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else reverse(settings.LOGIN_REDIRECT_URL)
