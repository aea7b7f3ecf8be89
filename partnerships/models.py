import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from audits.history import SYSTEM_USERNAME, TrackedHistory, TrackedQuerySet
from sscp import roles
from sscp.models import Agency, Partnership


class InvitationState(models.TextChoices):
    """Where an invitation is: derived from its dates, never stored."""

    WAITING = "waiting", "Waiting"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    CANCELLED = "cancelled", "Cancelled"


STATE_COLOURS = {
    InvitationState.WAITING: "blue",
    InvitationState.EXPIRED: "grey",
    InvitationState.ACCEPTED: "green",
    InvitationState.CANCELLED: "grey",
}


# How an invitation names the role it offers, in a sentence: "to join … as {phrase}".
ROLE_PHRASES = {
    roles.PARTNERSHIP_TEAM: "a member of the partnership team",
    roles.AGENCY_LEAD: "an agency lead",
    roles.SILG_CHAIR: "the SILG chair",
}


class InvitationQuerySet(TrackedQuerySet):
    def open(self):
        """Neither accepted nor cancelled (expired ones included): at most one an address."""
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)

    def waiting(self, now=None):
        """Open and not yet expired: the link still works."""
        return self.open().filter(expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An invitation by email to join a partnership in a role.

    The emailed link holds a one-time secret, made when the email is sent
    (partnerships.emails); only its hash is kept, so a new email makes the last link
    stop working. Accepting makes (or adds to) the person's account and ends the
    invitation; so do cancelling and time (`expires_at`).
    """

    State = InvitationState

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField("email address")
    role = models.CharField(max_length=10, choices=roles.Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agency an agency lead will act for.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    token_hash = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="SHA-256 of the secret in the last link sent; none before the first email.",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The account that accepted it.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # The hash is a secret's fingerprint, not a fact about the invitation: kept out of
    # the history (and so of the audit log), like a password.
    history = TrackedHistory(excluded_fields=["token_hash"])
    objects = InvitationQuerySet.as_manager()
    scoped_by = ("partnership", None)  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=roles.Role.values), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(role=roles.AGENCY_LEAD, agency__isnull=False)
                | (~Q(role=roles.AGENCY_LEAD) & Q(agency__isnull=True)),
                name="invitation_agency_for_leads_only",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="invitation_accepted_or_cancelled",
            ),
            # One open invitation an address in a partnership: two people inviting the
            # same address at once get one invitation and a clear message.
            models.UniqueConstraint(
                "partnership",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
        ]

    def __str__(self):
        return f"Invitation of {self.email} to {self.partnership}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {"description": f"Invitation of {row.email}", "partnership_id": row.partnership_id}

    @staticmethod
    def hash_of(secret: str) -> str:
        """What is kept of the secret in a link: its SHA-256, to find the invitation by."""
        return hashlib.sha256(secret.encode()).hexdigest()

    def state(self, now=None) -> InvitationState:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.cancelled_at:
            return InvitationState.CANCELLED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.WAITING

    @property
    def state_now(self) -> InvitationState:
        return self.state()

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS[self.state()]

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    @property
    def inviter(self) -> str:
        """Who invited, as the email says it: the operator when a command did (the system user)."""
        if self.invited_by.username == SYSTEM_USERNAME:
            return "The service's operator"
        return self.invited_by.get_full_name() or self.invited_by.username

    @property
    def role_phrase(self) -> str:
        phrase = ROLE_PHRASES[self.role]
        return f"{phrase} for {self.agency.name}" if self.agency_id else phrase

    @property
    def role_label(self) -> str:
        label = self.get_role_display()
        return f"{label}, {self.agency.short_name}" if self.agency_id else label
