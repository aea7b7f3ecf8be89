from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from audits.history import TrackedHistory, TrackedQuerySet
from sscp import roles


class TwoFactorPolicy(models.TextChoices):
    STAFF = "staff", "The partnership team and the SILG chair"
    EVERYONE = "everyone", "Everyone"
    NOBODY = "nobody", "Nobody: it is each person's choice"


# Addresses that are pages of their own, never a partnership's short address.
RESERVED_SLUGS = frozenset(
    {"all", "account", "admin", "accessibility", "calendar", "healthz", "invitations", "static",
     "sign-in", "sign-out", "password-reset", "partnerships", "media", "new"}
)  # fmt: skip


class Partnership(models.Model):
    """A Safeguarding Children Partnership: the tenant that reviews and all under them
    belong to. One service hosts many; a person belongs to some (Membership)."""

    TwoFactor = TwoFactorPolicy

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=60,
        unique=True,
        help_text="The name used in the header, for example “Southampton”.",
    )
    slug = models.SlugField(
        "short address",
        max_length=40,
        unique=True,
        help_text="The partnership's part of every page's address, for example “southampton”.",
    )
    area = models.CharField("area served", max_length=200, blank=True)
    two_factor = models.CharField(
        "who must use a second factor to sign in",
        max_length=10,
        choices=TwoFactorPolicy.choices,
        default=TwoFactorPolicy.STAFF,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The reviews other partnerships commissioned jointly with this one: kept by
    # reviews.services from Review.joint_partnerships (the record), so that a request's
    # scope has them with the partnership, no query of its own, as plain ids an index
    # serves (sscp.scope).
    joint_review_ids = models.JSONField(default=list, blank=True, editable=False)
    # Its closure days' dates, ISO, kept by keep_closure_dates from ClosureDay (the
    # record), so that counting a deadline reads them with the partnership.
    closure_dates = models.JSONField(default=list, blank=True, editable=False)

    history = TrackedHistory(excluded_fields=["joint_review_ids", "closure_dates"])
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(two_factor__in=TwoFactorPolicy.values),
                name="partnership_two_factor_valid",
            ),
            models.CheckConstraint(condition=~models.Q(slug=""), name="partnership_slug_not_empty"),
        ]

    def __str__(self):
        return self.name

    def keep_closure_dates(self) -> None:
        """Copy its closure days' dates from the ClosureDay rows, after one is added or
        removed."""
        days = self.closure_days.order_by("date").values_list("date", flat=True)
        self.closure_dates = [day.isoformat() for day in days]
        self.skip_history_when_saving = True  # a copy kept for reading, not a change
        self.save(update_fields=["closure_dates"])
        del self.skip_history_when_saving

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {"description": f"Partnership “{row.name}”", "partnership_id": row.id}

    def requires_two_factor(self, role: str) -> bool:
        if self.two_factor == TwoFactorPolicy.EVERYONE:
            return True
        return self.two_factor == TwoFactorPolicy.STAFF and role in roles.STAFF


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
    """A member organisation of one or more partnership boards that can own actions:
    a police force or an NHS trust often serves several partnerships."""

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
    partnerships = models.ManyToManyField(
        Partnership, blank=True, related_name="agencies", verbose_name="partnerships served"
    )

    history = TrackedHistory(m2m_fields=[partnerships])
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


class DecisionEmails(models.TextChoices):
    AT_ONCE = "at_once", "At once, one email for each decision"
    DAILY = "daily", "In a daily digest, with my reminders"


class User(AbstractUser):
    """A person who signs in. What they may do is their role in each partnership they
    belong to (Membership), asked of sscp.permissions."""

    ReminderFrequency = ReminderFrequency
    DecisionEmails = DecisionEmails

    reminder_frequency = models.CharField(
        "reminders about upcoming work",
        max_length=10,
        choices=ReminderFrequency.choices,
        default=ReminderFrequency.DAILY,
        help_text="Overdue work and escalations are always sent the same day.",
    )
    decision_emails = models.CharField(
        "emails about decisions on my work",
        max_length=10,
        choices=DecisionEmails.choices,
        default=DecisionEmails.AT_ONCE,
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
            models.CheckConstraint(
                condition=models.Q(decision_emails__in=DecisionEmails.values),
                name="user_decision_emails_valid",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @staticmethod
    def audit_about(row, lookups) -> dict:
        name = " ".join(filter(None, [row.first_name, row.last_name])) or row.username
        return {"description": f"User “{name}”"}

    @cached_property
    def memberships_now(self) -> dict[int, "Membership"]:
        """The person's current memberships by partnership id, with their partnership and
        agency: read once for the person's request (sscp.permissions asks it)."""
        current = self.memberships.filter(ended_at__isnull=True).select_related(
            "partnership", "agency"
        )
        return {membership.partnership_id: membership for membership in current}

    @property
    def can_receive_email(self) -> bool:
        return self.is_active and bool(self.email)


class Membership(models.Model):
    """A person's role in one partnership: the partnership team, an agency lead (of one
    agency that serves the partnership) or the SILG chair. Ended, never deleted, when the
    person leaves; a person may belong to several partnerships, in a different role in each.
    """

    Role = roles.Role

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=roles.Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text="The agency an agency lead acts for.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=roles.Role.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(role=roles.AGENCY_LEAD, agency__isnull=False)
                | (~models.Q(role=roles.AGENCY_LEAD) & models.Q(agency__isnull=True)),
                name="membership_agency_for_leads_only",
            ),
            models.UniqueConstraint(
                fields=["user", "partnership"],
                condition=models.Q(ended_at__isnull=True),
                name="membership_one_current_per_partnership",
            ),
        ]
        indexes = [
            models.Index(
                fields=["partnership", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="membership_current",
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.partnership}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        person = lookups.values(User, row.user_id, ("first_name", "last_name", "username")) or {}
        name = " ".join(filter(None, [person.get("first_name"), person.get("last_name")]))
        name = name or person.get("username") or f"#{row.user_id}"
        return {
            "description": f"Membership of “{name}”",
            "partnership_id": row.partnership_id,
            "agency_id": row.agency_id,
        }

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def role_label(self) -> str:
        label = self.get_role_display()
        return f"{label}, {self.agency.short_name}" if self.agency_id else label


class OutgoingEmailKind(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Password reset link"
    INVITATION = "invitation", "Invitation to a partnership"
    EMAIL_CONFIRMATION = "email_confirmation", "Link to confirm a new email address"


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed; will be tried again"
    CANCELLED = "cancelled", "Not sent: no longer owed (no account has the address, say)"


class OutgoingEmail(models.Model):
    """An account email the service owes someone: the outbox that sscp.outbox delivers.

    A request only adds a row, the same work whether or not an account has the
    address; a worker sends it after the request has committed. Nothing secret is
    stored: a password reset link, an invitation's link or an address's confirmation
    link is made when its message is sent (sscp.outbox: each kind's builder).
    """

    Kind = OutgoingEmailKind
    Status = OutgoingEmailStatus

    kind = models.CharField(max_length=30, choices=OutgoingEmailKind.choices)
    address = models.EmailField(help_text="The address asked for, as it was typed.")
    reference = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="What the email is about (an invitation, say), by id."
    )
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


class ClosureDay(models.Model):
    """A day a partnership's office is closed, besides weekends and bank holidays: the
    statutory clock does not count it (sscp.working_days)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="closure_days"
    )
    date = models.DateField()
    reason = models.CharField(max_length=200, help_text="For example, “Office closed”.")

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "date"], name="closure_day_once_a_partnership"
            ),
        ]

    def __str__(self):
        return f"{self.date:%-d %B %Y}: {self.reason}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {"description": f"Closure day {row.date}", "partnership_id": row.partnership_id}
