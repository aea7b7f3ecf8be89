from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from audits.history import TrackedHistory, TrackedQuerySet
from sscp import roles


class Sector(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    PROBATION = "probation", "Probation"
    AMBULANCE = "ambulance", "Ambulance service"
    CAFCASS = "cafcass", "CAFCASS"
    VOLUNTARY = "voluntary", "Voluntary and community sector"
    EDUCATION = "education", "Schools and education"


class Agency(models.Model):
    """A member organisation of the partnership board that can own actions."""

    Sector = Sector

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=60, unique=True, help_text="The name used in tables, for example “Police”."
    )
    sector = models.CharField(max_length=30, choices=Sector.choices)
    board_position = models.CharField(
        max_length=200, blank=True, help_text="Who represents the agency on the partnership board."
    )
    is_active = models.BooleanField(default=True)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sector__in=Sector.values),
                name="agency_sector_valid",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="agency_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {"description": f"Agency “{row.name}”", "agency_id": row.id}


class TrackedUserManager(UserManager.from_queryset(TrackedQuerySet)):
    """Django's UserManager, refusing bulk changes like every tracked model's manager."""


class ReminderFrequency(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Once a week, on Mondays"


class User(AbstractUser):
    """A person who signs in. Agency leads belong to an agency; roles are groups."""

    ReminderFrequency = ReminderFrequency

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Agency leads act for this agency's actions.",
    )
    reminder_frequency = models.CharField(
        "reminders about upcoming work",
        max_length=10,
        choices=ReminderFrequency.choices,
        default=ReminderFrequency.DAILY,
        help_text="Overdue work, escalations and returned actions are always sent the same day.",
    )

    calendar_token = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The secret in the address of the person's calendar feed; none when it is off.",
    )

    # Signing in saves last_login; that is not a change to the person's record,
    # so it is left out of the history (see SscpConfig.ready). Secrets never go in it.
    history = TrackedHistory(excluded_fields=["password", "last_login", "calendar_token"])
    objects = TrackedUserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_frequency__in=ReminderFrequency.values),
                name="user_reminder_frequency_valid",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @staticmethod
    def audit_about(row, lookups) -> dict:
        name = " ".join(filter(None, [row.first_name, row.last_name])) or row.username
        return {"description": f"User “{name}”", "agency_id": row.agency_id}

    @cached_property
    def role_names(self) -> frozenset[str]:
        # groups.all() rather than values_list, so that a prefetch of groups is used.
        return frozenset(group.name for group in self.groups.all())

    @property
    def is_partnership_team(self) -> bool:
        return roles.PARTNERSHIP_TEAM in self.role_names

    @property
    def is_silg_chair(self) -> bool:
        return roles.SILG_CHAIR in self.role_names

    @property
    def is_agency_lead(self) -> bool:
        return self.agency_id is not None and roles.AGENCY_LEAD in self.role_names

    @property
    def can_receive_email(self) -> bool:
        return self.is_active and bool(self.email)

    @property
    def role_label(self) -> str:
        """The person's role(s) in words, for the header and the admin."""
        return ", ".join(sorted(self.role_names & set(roles.ALL))) or "No role"


class OutgoingEmailKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Password reset link"


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed; will be tried again"
    CANCELLED = "cancelled", "Not sent: no account has that address"


class OutgoingEmail(models.Model):
    """An account email the service owes someone: the outbox that sscp.outbox delivers.

    A request only adds a row, the same work whether or not an account has the
    address; a worker sends it after the request has committed. Nothing secret is
    stored: a password reset link is made when its message is sent.
    """

    Kind = OutgoingEmailKind
    Status = OutgoingEmailStatus

    kind = models.CharField(max_length=30, choices=OutgoingEmailKind.choices)
    address = models.EmailField(help_text="The address asked for, as it was typed.")
    status = models.CharField(
        max_length=10, choices=OutgoingEmailStatus.choices, default=OutgoingEmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OutgoingEmailKind.values),
                name="outgoing_email_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OutgoingEmailStatus.values),
                name="outgoing_email_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=OutgoingEmailStatus.SENT)
                | models.Q(sent_at__isnull=False),
                name="outgoing_email_sent_has_time",
            ),
        ]
        indexes = [
            # What delivery polls: small, because sent and cancelled rows are not in it.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status__in=["pending", "sending", "failed"]),
                name="outgoing_email_outbox",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.address} ({self.get_status_display()})"
