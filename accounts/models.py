"""
A person's own account: a change of email address waiting for its link to be followed,
and what is known of their second factor for signing in (django-otp's devices).
"""

import datetime
import hashlib

import django_otp
from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from sscp.models import User


def email_link_lifetime() -> datetime.timedelta:
    """How long a link confirming a new email address works once it is sent
    (EMAIL_CONFIRMATION_HOURS, 24 by default)."""
    return datetime.timedelta(hours=settings.EMAIL_CONFIRMATION_HOURS)


def token_digest(token: str) -> str:
    """What is stored of a link's secret: its SHA-256, never the secret itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def address_in_use(address: str, *, by_other_than: User) -> bool:
    """Whether another account has this email address, whatever its case."""
    return User.objects.filter(email__iexact=address).exclude(pk=by_other_than.pk).exists()


LINK_NOT_RIGHT = (
    "This link is not right. Check that you copied the whole link from the email, or ask "
    "for a new one from Your account."
)


class EmailChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the link to be followed"
    CONFIRMED = "confirmed", "Confirmed: the address was changed"
    CANCELLED = "cancelled", "Cancelled: a later change was asked for"


class EmailChangeQuerySet(models.QuerySet):
    def for_token(self, token: str):
        return self.filter(token_hash=token_digest(token))


class EmailChange(models.Model):
    """A person's request to use a new email address, confirmed by a link sent to it.

    The link's secret is made when the email is sent (accounts.emails) and only its hash
    is kept; the link works once, for email_link_lifetime() from then, for the person
    who asked. The account's address changes only when it is followed (on the record:
    the person's history). Earlier requests still waiting are cancelled by a new one.
    """

    Status = EmailChangeStatus

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="email_changes")
    new_email = models.EmailField("new email address")
    old_email = models.EmailField(
        "address before the change", blank=True, help_text="Filled in when it is confirmed."
    )
    status = models.CharField(
        max_length=10, choices=EmailChangeStatus.choices, default=EmailChangeStatus.PENDING
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was confirmed or cancelled."
    )

    objects = EmailChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EmailChangeStatus.values),
                name="email_change_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=EmailChangeStatus.PENDING)
                | models.Q(used_at__isnull=False),
                name="email_change_used_has_time",
            ),
            # Also the index a followed link is looked up by.
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~models.Q(token_hash=""),
                name="email_change_token_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="email_change_pending",
            ),
        ]

    def __str__(self):
        return f"{self.user} to {self.new_email} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is None or self.expires_at <= timezone.now()

    def refusal(self, person) -> str | None:
        """Why `person` may not confirm this change by its link now, in their words; None
        if they may (whether the address is still free is asked when confirming)."""
        if self.user_id != person.pk:
            return (
                "This link is for a different account. Sign out, then sign in as the "
                "person who asked to change their email address."
            )
        if self.status == EmailChangeStatus.CONFIRMED:
            return f"This link has already been used: your email address is {self.user.email}."
        if self.status == EmailChangeStatus.CANCELLED:
            return (
                "This link no longer works: you asked to change your email address again "
                "after it was sent. Use the link in the latest email."
            )
        if self.is_expired:
            return (
                "This link has expired. Ask again for a link from Your account: your email "
                "address has not changed."
            )
        return None


# The second factor -------------------------------------------------------------


def has_second_factor(user) -> bool:
    """Whether the person has a confirmed second factor (any django-otp device: their
    authenticator app, their recovery codes)."""
    return django_otp.user_has_device(user, confirmed=True)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_required(user) -> bool:
    """Whether the person must use a second factor to sign in: any partnership they belong
    to now asks it of people in their role there (Partnership.requires_two_factor).

    Reads the memberships the request loads anyway (User.memberships_now): no query more.
    """
    return bool(partnerships_requiring(user))


def partnerships_requiring(user) -> list:
    """The partnerships that ask the person for a second factor, by name."""
    return sorted(
        (
            member.partnership
            for member in user.memberships_now.values()
            if member.partnership.requires_two_factor(member.role)
        ),
        key=lambda partnership: partnership.name,
    )
