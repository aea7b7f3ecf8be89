"""
Changes a person makes to their own account — their name, email address, password and
second factor — and the partnership team's reset of a second factor. Each is on the
record: a history row of the person (audits.history.save_tracked) saying why.
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    LINK_NOT_RIGHT,
    EmailChange,
    address_in_use,
    email_link_lifetime,
    has_second_factor,
    token_digest,
)
from audits.history import save_tracked
from sscp import tasks
from sscp.models import OutgoingEmail, User
from sscp.permissions import Ability, has_ability, user_memberships

RECOVERY_CODES = 10


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


# Name and password ---------------------------------------------------------------


@transaction.atomic
def user_rename(*, actor: User, user: User, first_name: str, last_name: str) -> User:
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name:
        raise ValidationError({"first_name": "Enter your first name"})
    user = _locked(user)
    user.first_name, user.last_name = first_name, last_name
    return save_tracked(user, actor=actor, reason="Name changed")


@transaction.atomic
def password_change(*, actor: User, user: User, new_password: str) -> User:
    """Set a new password (already checked by the password validators). Every other
    session of the person ends; the caller keeps its own (update_session_auth_hash)."""
    user = _locked(user)
    user.set_password(new_password)
    return save_tracked(user, actor=actor, reason="Password changed")


# Email address -------------------------------------------------------------------


@transaction.atomic
def email_change_request(*, actor: User, user: User, new_email: str) -> EmailChange:
    """Ask to use a new email address: a link to confirm it is sent there.

    1. Refuse the person's own address, or one another account has.
    2. Cancel any earlier request still waiting: only the latest link works.
    3. Add the request, and put the link's email in the outbox (accounts.emails makes
       the link when it is sent).
    """
    new_email = BaseUserManager.normalize_email(new_email.strip())
    user = _locked(user)
    if new_email.casefold() == user.email.casefold():
        raise ValidationError({"email": "This is already your email address"})
    if address_in_use(new_email, by_other_than=user):
        raise ValidationError({"email": "Another account already uses this email address"})
    now = timezone.now()
    for earlier in EmailChange.objects.filter(user=user, status=EmailChange.Status.PENDING):
        earlier.status, earlier.used_at = EmailChange.Status.CANCELLED, now
        earlier.save(update_fields=["status", "used_at"])
    change = EmailChange.objects.create(user=user, new_email=new_email)
    tasks.queue(OutgoingEmail.Kind.EMAIL_CONFIRMATION, new_email, reference=change.pk)
    return change


def email_change_link(change: EmailChange) -> str:
    """A new secret for the change's link, made as its email is sent: only its hash is
    kept, and it works for email_link_lifetime() from now. A link made earlier (an
    email that failed to send) stops working."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    change.token_hash = token_digest(token)
    change.link_sent_at, change.expires_at = now, now + email_link_lifetime()
    change.save(update_fields=["token_hash", "link_sent_at", "expires_at"])
    return token


@transaction.atomic
def email_change_confirm(*, actor: User, token: str) -> User:
    """Follow a link confirming a new email address, signed in as the person who asked.

    1. Refuse a link that matches nothing, is someone else's, used, cancelled or
       expired, or an address another account has taken since: nothing changes.
    2. Change the address, on the record; mark the request used.
    3. Tell the old address that it was changed (through the outbox).
    """
    change = EmailChange.objects.select_for_update().for_token(token).first()
    if change is None:
        raise ValidationError(LINK_NOT_RIGHT)
    if refusal := change.refusal(actor):
        raise ValidationError(refusal)
    user = _locked(change.user)
    if address_in_use(change.new_email, by_other_than=user):
        raise ValidationError(
            f"Another account now uses {change.new_email}, so it cannot be yours as well. "
            "Your email address has not changed."
        )
    change.old_email, user.email = user.email, change.new_email
    save_tracked(user, actor=actor, reason="Email address changed: confirmed by a link sent to it")
    change.status, change.used_at = EmailChange.Status.CONFIRMED, timezone.now()
    change.save(update_fields=["old_email", "status", "used_at"])
    if change.old_email:
        tasks.queue(OutgoingEmail.Kind.EMAIL_CONFIRMATION, change.old_email, reference=change.pk)
    return user


# The second factor -----------------------------------------------------------------


def second_factor_start(*, user: User) -> TOTPDevice:
    """The authenticator app being set up, not yet confirmed: the same one until it is,
    so that the page shows the same key however often it is opened."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@dataclass(frozen=True)
class TurnedOn:
    device: TOTPDevice
    recovery_codes: list[str]  # to be shown once


def second_factor_confirm(*, actor: User, user: User, code: str) -> TurnedOn:
    """Turn on the second factor being set up, with a code the app shows now.

    Not one transaction: a wrong code is counted against the device (django-otp's
    throttling) in its own, which a refusal must not undo.
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise ValidationError("Open the set-up page again and scan the new QR code")
        refusal = _refusal(device, code)
    if refusal:
        raise ValidationError({"code": refusal})
    return _turn_on(actor=actor, user=user, device=device)


@transaction.atomic
def _turn_on(*, actor: User, user: User, device: TOTPDevice) -> TurnedOn:
    user = _locked(user)
    if has_second_factor(user):  # set up meanwhile, in another window
        raise ValidationError("Two-factor authentication is already set up for your account")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    save_tracked(
        user,
        actor=actor,
        reason=f"Two-factor authentication set up: an authenticator app and {len(codes)} "
        "recovery codes",
    )
    return TurnedOn(device=device, recovery_codes=codes)


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes (django-otp static tokens, each used once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def recovery_codes_renew(*, actor: User, user: User) -> list[str]:
    """New recovery codes, to be shown once; the earlier ones stop working."""
    user = _locked(user)
    if not has_second_factor(user):
        raise ValidationError("Set up two-factor authentication first")
    codes = _new_recovery_codes(user)
    save_tracked(
        user, actor=actor, reason="New recovery codes made: the earlier ones no longer work"
    )
    return codes


@dataclass(frozen=True)
class CodeCheck:
    """What checking a code found: the device that accepted it, or what to tell the person."""

    device: Device | None = None
    refusal: str = ""
    recovery_codes_left: int | None = None  # after a recovery code was used


WRONG_CODE = (
    "The code is not right. Enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes"
)


def second_factor_check(*, user: User, code: str) -> CodeCheck:
    """Check a code a person gives to finish signing in.

    1. A 6-digit code is checked against their authenticator app, anything else against
       their recovery codes.
    2. A device still waiting after wrong codes (django-otp's throttling: 1, 2, 4, 8…
       seconds after each one in a row) refuses without checking.
    3. A wrong code is counted against the device; a recovery code is used up, on the
       record. The failure itself is put on the record by the page (a refused sign-in).
    """
    code = "".join(code.split()).replace("-", "").lower()
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        devices = model.objects.devices_for_user(user, confirmed=True).select_for_update()
        device = devices.order_by("pk").first()
        refusal = WRONG_CODE if device is None else _refusal(device, code)
        if refusal:
            return CodeCheck(refusal=refusal)
        if model is not StaticDevice:
            return CodeCheck(device=device)
        left = device.token_set.count()
        save_tracked(
            _locked(user), actor=user, reason=f"Signed in with a recovery code ({left} left)"
        )
        return CodeCheck(device=device, recovery_codes_left=left)


def _refusal(device: Device, code: str) -> str:
    """Why `code` does not verify on `device` ("" if it does); a wrong code is counted."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return _wait_message(details)
    if not device.verify_token(code):
        return WRONG_CODE
    return ""


def _wait_message(details: dict | None) -> str:
    details = details or {}
    if details.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return details.get("error_message") or "Codes cannot be checked now: try again later"
    seconds = max(1, round((details["locked_until"] - timezone.now()).total_seconds() + 0.5))
    wait = (
        f"{seconds} second{'s' if seconds != 1 else ''}"
        if seconds < 120
        else f"{round(seconds / 60)} minutes"
    )
    return f"Too many wrong codes in a row. Wait {wait}, then enter the code your app shows then"


@transaction.atomic
def second_factor_reset(*, actor: User, user: User, reason: str) -> None:
    """Remove a person's second factor (their authenticator app and recovery codes), for
    the partnership team: when a phone is lost, say. On the record, with the reason.

    The person signs in next with their password alone, and is asked to set up a new
    second factor if a partnership of theirs requires one. Refused unless `actor` is on
    the partnership team of a partnership the person belongs to.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the second factor is being reset"})
    if not any(
        has_ability(actor, Ability.MANAGE, partnership=member.partnership)
        for member in user_memberships(user)
    ):
        raise PermissionDenied(f"{actor} is not on the partnership team of any of {user}'s")
    user = _locked(user)
    if not has_second_factor(user):
        raise ValidationError(f"{user} has no second factor to reset")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    save_tracked(user, actor=actor, reason=f"Second factor reset: {reason}")
