import datetime
from collections import Counter
from typing import NamedTuple

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.urls import reverse
from django.utils import timezone

from audits.history import TrackedHistory, TrackedQuerySet
from reviews.models import (
    CountedElsewhere,
    FinancialYear,
    Recommendation,
    Review,
    Withdrawable,
    count_in,
    keeping_counts_of,
    kept,
    withdrawal_constraint,
)
from sscp.models import Agency, Partnership
from sscp.scope import address

# The storage of evidence files, named here too by the migrations that made Evidence.
from sscp.storage import evidence_files, evidence_storage, evidence_upload_to  # noqa: F401


class Rag(models.TextChoices):
    """Red, amber, green — always shown as a tag with words, never colour alone."""

    COMPLETE = "complete", "Complete"
    OVERDUE = "overdue", "Overdue"
    RETURNED = "returned", "Returned"
    DUE_SOON = "due_soon", "Due soon"
    ON_TRACK = "on_track", "On track"
    SUPERSEDED = "superseded", "Superseded"


class ActionQuerySet(TrackedQuerySet):
    def open(self):
        return self.filter(status__in=Action.OPEN_STATUSES)

    def returned(self):
        """Returned by the SILG chair and not yet resubmitted."""
        return self.filter(status=Action.Status.IN_PROGRESS, returned_at__isnull=False)

    def with_rag(self, today: datetime.date):
        """Annotate `rag_value`: the same rule as Action.rag, computed in the database."""
        *rules, (default, _) = _rag_rules(today)
        return self.annotate(
            rag_value=Case(
                *[When(condition, then=Value(rag)) for rag, condition in rules],
                default=Value(default),
                output_field=models.CharField(),
            )
        )

    def with_latest_progress(self):
        """Annotate the latest progress update's text (`latest_progress`), when it was
        posted (`latest_progress_at`) and by whom, named as User.__str__ names people
        (`latest_progress_by`): subqueries, where prefetching every update cost a query of
        its own for pages that show only the latest."""
        latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
        full_name = Trim(Concat("author__first_name", Value(" "), "author__last_name"))
        return self.annotate(
            latest_progress=Subquery(latest.values("text")[:1]),
            latest_progress_at=Subquery(latest.values("created_at")[:1]),
            latest_progress_by=Subquery(
                latest.values(by=Coalesce(NullIf(full_name, Value("")), "author__username"))[:1]
            ),
        )

    def filter_rag(self, rag: str, today: datetime.date):
        """The actions with this rating: its rule and none before it, so indexes serve it."""
        before = Q()
        for candidate, condition in _rag_rules(today):
            if candidate == rag:
                return self.filter(condition & ~before) if before else self.filter(condition)
            before |= condition
        return self.none()


def _rag_rules(today: datetime.date) -> list[tuple[str, Q]]:
    """Action.rag as (rating, condition) in order: the first that holds rates the action."""
    due_soon_by = today + datetime.timedelta(days=settings.DUE_SOON_DAYS)
    return [
        (Rag.COMPLETE, Q(status=ActionStatus.COMPLETED)),
        (Rag.SUPERSEDED, Q(status=ActionStatus.SUPERSEDED)),
        (Rag.OVERDUE, Q(due_date__lt=today)),
        (Rag.RETURNED, Q(returned_at__isnull=False)),
        (Rag.DUE_SOON, Q(due_date__lte=due_soon_by)),
        (Rag.ON_TRACK, Q()),
    ]


class Progress(models.TextChoices):
    """How far a set of actions has got, as every page that counts them says it."""

    COMPLETED = "completed", "Completed"
    SUPERSEDED = "superseded", "Superseded"
    OPEN = "open", "Open on time"
    OVERDUE = "overdue", "Overdue"


def progress_rules(today: datetime.date) -> dict[str, Q]:
    """Which actions count under each Progress: every action under exactly one."""
    is_open = Q(status__in=Action.OPEN_STATUSES)
    late = Q(due_date__lt=today)
    return {
        Progress.COMPLETED: Q(status=ActionStatus.COMPLETED),
        Progress.SUPERSEDED: Q(status=ActionStatus.SUPERSEDED),
        Progress.OPEN: is_open & ~late,
        Progress.OVERDUE: is_open & late,
    }


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted for sign-off"
    COMPLETED = "completed", "Completed"
    SUPERSEDED = "superseded", "Superseded"


# The GOV.UK tag colour of each status and rating, wherever they are shown.
STATUS_COLOURS = {
    ActionStatus.NOT_STARTED: "grey",
    ActionStatus.IN_PROGRESS: "blue",
    ActionStatus.SUBMITTED: "purple",
    ActionStatus.COMPLETED: "green",
    ActionStatus.SUPERSEDED: "grey",
}
RAG_COLOURS = {
    Rag.COMPLETE: "blue",
    Rag.OVERDUE: "red",
    Rag.RETURNED: "orange",
    Rag.DUE_SOON: "yellow",
    Rag.ON_TRACK: "green",
    Rag.SUPERSEDED: "grey",
}

# An action is open until it is completed or superseded. What may be done in which
# status is the lifecycle table's (actions.lifecycle); these two are what a row and
# an index need to know.
OPEN_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.SUBMITTED)
CLOSED_STATUSES = (ActionStatus.COMPLETED, ActionStatus.SUPERSEDED)
_OPEN = [status.value for status in OPEN_STATUSES]  # as index conditions write them
KEPT = Q(withdrawn_at__isnull=True)


class Action(CountedElsewhere, Withdrawable):
    """What one agency will do towards a recommendation, and by when."""

    Status = ActionStatus

    OPEN_STATUSES = OPEN_STATUSES
    CLOSED_STATUSES = CLOSED_STATUSES

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="actions"
    )
    # The recommendation's review and partnership, kept on the row so that a partnership's
    # lists, counts and row-level security read them without joins (actions.services sets
    # them from the recommendation; they never change).
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_actions",
        help_text="The agency lead responsible. Without one, every lead of the agency is.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    success_measure = models.TextField(
        help_text="How the partnership will know it is done: specific, measurable, time-bound."
    )
    original_due_date = models.DateField(help_text="The date first agreed. It never changes.")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)

    submitted_at = models.DateTimeField(null=True, blank=True)
    completion_statement = models.TextField(blank=True)
    returned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the SILG chair returns it; cleared on resubmission.",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()
    objects = kept(ActionQuerySet)
    every = ActionQuerySet.as_manager()
    scoped_by = ("partnership", "review")  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            withdrawal_constraint("action"),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_not_empty"),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.SUBMITTED)
                | (Q(submitted_at__isnull=False) & ~Q(completion_statement="")),
                name="action_submitted_has_statement",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.COMPLETED)
                | Q(completed_at__isnull=False, completed_by__isnull=False),
                name="action_completed_has_approver",
            ),
        ]
        # Every list reads what is not withdrawn (Action.objects): so do the indexes, which
        # keeps their scans index-only.
        indexes = [
            # The reminder sweep, across every partnership: open actions by due date.
            models.Index(fields=["status", "due_date"], condition=KEPT, name="action_status_due"),
            # A lead's actions across their partnerships, by status.
            models.Index(
                fields=["agency", "status", "due_date"],
                condition=KEPT,
                name="action_agency_status_due",
            ),
            # A lead's actions across their partnerships, soonest due first, a page at a time,
            # and their count (capped): both from the index alone, with the policy's columns.
            models.Index(
                fields=["agency", "due_date", "id", "partnership", "review"],
                condition=KEPT,
                name="action_agency_due",
            ),
            # A partnership's list of actions, soonest due first, a page at a time;
            models.Index(
                fields=["partnership", "due_date", "id"], condition=KEPT, name="action_due"
            ),
            # filtered by status ("in progress"), soonest due first;
            models.Index(
                fields=["partnership", "status", "due_date", "id"],
                condition=KEPT,
                name="action_partnership_status_due",
            ),
            # the SILG chair's queue, longest waiting first.
            models.Index(
                fields=["partnership", "status", "submitted_at"],
                condition=KEPT,
                name="action_status_submitted",
            ),
            # Is a recommendation ready to close; how far has each review got (index-only)?
            models.Index(
                fields=["recommendation", "status", "due_date"],
                condition=KEPT,
                name="action_rec_status_due",
            ),
            # A review's actions counted by status and due date (the list of reviews), from
            # the index alone: with the partnership, which the row-level policy asks of each.
            models.Index(
                fields=["review", "status", "due_date", "partnership"],
                condition=KEPT,
                name="action_review_status_due",
            ),
            # Open actions only, a third of them at scale: a recommendation's, by due date;
            models.Index(
                fields=["recommendation", "due_date"],
                condition=KEPT & Q(status__in=_OPEN),
                name="action_open_rec_due",
            ),
            # a partnership's, overdue or due soon, by review and agency (index-only: the
            # partnership team's Home), and in the list's order (the overdue list's page is
            # its first rows, where the index of all actions walked past every completed one);
            models.Index(
                fields=["partnership", "due_date", "id", "review", "agency"],
                condition=KEPT & Q(status__in=_OPEN),
                name="action_open_due",
            ),
            # and an agency's, soonest due first (the lead's dashboard and overdue list),
            # rated from the index alone: with the row-level policy's columns.
            models.Index(
                fields=[
                    "agency",
                    "due_date",
                    "id",
                    "status",
                    "returned_at",
                    "partnership",
                    "review",
                ],
                condition=KEPT & Q(status__in=_OPEN),
                name="action_open_agency_due",
            ),
            # Returned by the SILG chair and not yet resubmitted: few, counted on every
            # agency lead's dashboard from the index alone.
            models.Index(
                fields=["agency", "returned_at", "id", "partnership", "review"],
                condition=KEPT
                & Q(status=ActionStatus.IN_PROGRESS.value, returned_at__isnull=False),
                name="action_returned",
            ),
            # The action list sorted by title.
            models.Index(
                fields=["partnership", "title", "id"], condition=KEPT, name="action_title"
            ),
            # Those withdrawn as logged in error: few, left out of a year's figures.
            models.Index(
                fields=["partnership", "withdrawn_at"],
                condition=Q(withdrawn_at__isnull=False),
                name="action_withdrawn",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return address("action-detail", self, self.pk)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {
            "description": f"Action “{row.title}”",
            "agency_id": row.agency_id,
            "review_id": row.review_id,
            "recommendation_id": row.recommendation_id,
            "action_id": row.id,
            "partnership_id": row.partnership_id,
        }

    @staticmethod
    def url_format() -> str:
        """The address of an action as a format string, `.format(slug, pk)`, for lists of
        thousands (exports, digests), where a reverse() a row would be a tenth of the time."""
        marks = ("partnership-mark", 987654321)
        return (
            reverse("action-detail", args=marks)
            .replace(marks[0], "{}")
            .replace(str(marks[1]), "{}")
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_read_only(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    def days_overdue(self, today: datetime.date | None = None) -> int:
        return self.days_overdue_of(self.status, self.due_date, today or timezone.localdate())

    @classmethod
    def days_overdue_of(cls, status: str, due_date: datetime.date, today: datetime.date) -> int:
        """Days past the due date, for an action still open; for rows read as plain values."""
        if status in cls.CLOSED_STATUSES:
            return 0
        return max((today - due_date).days, 0)

    def days_waiting(self, today: datetime.date | None = None) -> int:
        """Days since submission, while the action waits for the SILG chair."""
        if self.status != self.Status.SUBMITTED or self.submitted_at is None:
            return 0
        today = today or timezone.localdate()
        return (today - timezone.localdate(self.submitted_at)).days

    def count_key(self) -> "CountKey | None":
        """Where the kept counts count this action (actions.counts); nowhere once withdrawn."""
        if self.withdrawn_at is not None:
            return None
        return CountKey(
            self.partnership_id,
            self.agency_id,
            self.status,
            self.returned_at is not None,
            self.due_date.replace(day=1),
            self.recommendation_id,
            self.review_id,
            self.due_date,
        )

    def move_counts(self, before, after) -> None:
        with transaction.atomic(), keeping_counts_of(self.partnership_id, "action"):
            ActionTally.move(before, after)
            if before is not None and after is None:  # withdrawn: its approvals count no more
                CompletionTally.leave_out(self)

    def rag(self, today: datetime.date | None = None) -> Rag:
        """The RAG rating (docs/architecture.md, "Ratings"); ActionQuerySet.with_rag is the
        same rule in SQL."""
        today = today or timezone.localdate()
        if self.status == self.Status.COMPLETED:
            return Rag.COMPLETE
        if self.status == self.Status.SUPERSEDED:
            return Rag.SUPERSEDED
        if self.due_date < today:
            return Rag.OVERDUE
        if self.returned_at is not None:
            return Rag.RETURNED
        if self.due_date <= today + datetime.timedelta(days=settings.DUE_SOON_DAYS):
            return Rag.DUE_SOON
        return Rag.ON_TRACK

    @property
    def current_rag(self) -> Rag:
        return self.rag()

    @property
    def due_date_moved(self) -> bool:
        return self.due_date != self.original_due_date


ACTION_FACTS = ("title", "agency_id", "recommendation_id", "review_id", "partnership_id")


def about_action_record(what: str, row, lookups) -> dict:
    """What the audit record of a record belonging to an action (progress, evidence, a
    decision, an extension request) says it is about: the action's agency, review and all."""
    action = lookups.values(Action, row.action_id, ACTION_FACTS) or {
        "title": f"#{row.action_id}",
        "agency_id": None,
        "recommendation_id": None,
        "review_id": None,
        "partnership_id": None,
    }
    return {
        "description": f"{what} on “{action['title']}”",
        "agency_id": action["agency_id"],
        "review_id": action["review_id"],
        "recommendation_id": action["recommendation_id"],
        "action_id": row.action_id,
        "partnership_id": action["partnership_id"],
    }


class ActionRecord(models.Model):
    """A record of an action's own: its progress, evidence, decisions, extension requests.

    It keeps its action's partnership and review on the row, as the action keeps its
    recommendation's (an action never changes either), so that the scope and the row-level
    policy read them there: a partnership's records are listed without reaching into its
    actions a row at a time (the sign-off queue's extension requests took 174 ms so at
    240,000 actions in one partnership; docs/performance.md).
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")

    scoped_by = ("partnership", "review")
    # Left out of the record's history: its action's history has them, and the seals of
    # history rows written before the columns were added stand (audits.sealing).
    OF_THE_ACTION = ["partnership", "review"]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.partnership_id is None:
            self.take_from(self.action)
        super().save(*args, **kwargs)

    def take_from(self, action: "Action") -> None:
        """Keep on the row what the record keeps of its action (OF_THE_ACTION)."""
        self.partnership_id, self.review_id = action.partnership_id, action.review_id


class ProgressUpdate(ActionRecord):
    """A note of progress posted by the agency; never edited or removed."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    history = TrackedHistory(excluded_fields=ActionRecord.OF_THE_ACTION)
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="progress_update_text_not_empty"),
        ]

    def __str__(self):
        return f"Progress on {self.action} by {self.author}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return about_action_record("Progress update", row, lookups)


class Evidence(ActionRecord):
    """A file that shows an action was done. Withdrawn, never deleted."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("file name", max_length=255)
    description = models.TextField("what the file shows")
    content_type = models.CharField("kind of file", max_length=100)
    size = models.PositiveBigIntegerField("size")
    sha256 = models.CharField("SHA-256 fingerprint", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    history = TrackedHistory(excluded_fields=ActionRecord.OF_THE_ACTION)
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(
                    withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason=""
                )
                | (
                    Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~Q(withdrawal_reason="")
                ),
                name="evidence_withdrawal_complete",
            ),
        ]

    def __str__(self):
        return self.original_name

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return about_action_record(f"Evidence “{row.original_name}”", row, lookups)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting decision"
    GRANTED = "granted", "Granted"
    DECLINED = "declined", "Declined"
    # The action was signed off or superseded while the request waited: nobody decided
    # it, so it is neither granted nor declined.
    CLOSED = "closed", "Closed without a decision"


class ExtensionRequest(ActionRecord):
    """An agency's request for a later due date, and the SILG chair's decision on it."""

    Status = ExtensionStatus

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="extension_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    due_date_at_request = models.DateField()
    requested_due_date = models.DateField()
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    history = TrackedHistory(excluded_fields=ActionRecord.OF_THE_ACTION)
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExtensionStatus.values),
                name="extension_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(requested_due_date__gt=F("due_date_at_request")),
                name="extension_moves_date_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_not_empty"),
            models.CheckConstraint(
                condition=Q(
                    status=ExtensionStatus.PENDING, decided_at__isnull=True, decided_by__isnull=True
                )
                | (
                    ~Q(status=ExtensionStatus.PENDING)
                    & Q(decided_at__isnull=False, decided_by__isnull=False)
                ),
                name="extension_decision_complete",
            ),
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending_per_action",
            ),
        ]
        indexes = [
            # A partnership's requests awaiting a decision, longest waiting first (the
            # sign-off queue; the SILG chair's Home counts them from the index alone).
            models.Index(
                fields=["partnership", "requested_at", "id", "review"],
                condition=Q(status="pending"),
                name="extension_pending_waiting",
            ),
            # Extensions granted in a year (the annual figures), read from the index alone,
            # the row-level policy's columns with them.
            models.Index(
                fields=["partnership", "decided_at", "action", "review"],
                condition=Q(status="granted"),
                name="extension_granted",
            ),
        ]

    def __str__(self):
        return f"Extension to {self.requested_due_date} for {self.action}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return about_action_record("Extension request", row, lookups)


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned to the agency"
    REOPENED = "reopened", "Reopened"
    SUPERSEDED = "superseded", "Superseded"


class SignOffDecision(ActionRecord):
    """A decision by the SILG chair on an action. Never edited or removed."""

    Outcome = DecisionOutcome

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    # The action's, kept on the row as its partnership is: whether an approval was on time
    # (CompletionTally) is read from the decisions alone, not joined to every action.
    original_due_date = models.DateField(help_text="The action's original due date.")

    OF_THE_ACTION = [*ActionRecord.OF_THE_ACTION, "original_due_date"]
    history = TrackedHistory(excluded_fields=OF_THE_ACTION)
    objects = TrackedQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = "sign-off decision"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values),
                name="decision_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome=DecisionOutcome.APPROVED) | ~Q(comment=""),
                name="decision_comment_required_unless_approved",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.action}"

    def save(self, *args, **kwargs):
        counted = self._state.adding and self.outcome == DecisionOutcome.APPROVED
        with transaction.atomic():
            super().save(*args, **kwargs)
            if counted and not self.action.is_withdrawn:
                with keeping_counts_of(self.partnership_id, "approval"):
                    CompletionTally.approved(self)

    def take_from(self, action: "Action") -> None:
        super().take_from(action)
        self.original_due_date = action.original_due_date

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return about_action_record("Sign-off decision", row, lookups)


class ReminderKind(models.TextChoices):
    UPCOMING = "upcoming", "Due soon"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    ESCALATION = "escalation", "Overdue: escalated to you"
    RETURNED = "returned", "Returned to you by the SILG chair"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting your sign-off"
    AWAITING_EXTENSION = "awaiting_extension", "Extension request awaiting your decision"
    # A review's statutory journey (reviews.journey), to the partnership team and SILG chair.
    STAGE_UPCOMING = "stage_upcoming", "A review's deadline is near"
    STAGE_DUE_TODAY = "stage_due_today", "A review's deadline is today"
    STAGE_OVERDUE = "stage_overdue", "A review's deadline has passed"
    PROGRESS_CHECK_DUE = "progress_check_due", "A local review's progress check is due"
    # A closed recommendation's impact (reviews.models.Recommendation.impact_check_due_on).
    IMPACT_CHECK_DUE = "impact_check_due", "A recommendation's impact check is due"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed; will be tried again"
    CANCELLED = "cancelled", "Not sent: no longer due"
    SHOWN = "shown", "Shown only: a change, never emailed"


class Reminder(models.Model):
    """One reminder to one person about one action, or one stage of a review's statutory
    journey, on one day: the email outbox.

    The unique constraints are what make a reminder arrive once: the sweep may be run any
    number of times, a row for (recipient, action, kind, date) or (recipient, review,
    stage, kind, date) is only ever created once, and it is sent only by whoever wins its
    claim.
    """

    Kind = ReminderKind
    Status = ReminderStatus
    CLAIMABLE = (ReminderStatus.PENDING, ReminderStatus.FAILED)
    # The stage of a review's progress check (Regulation 14), beside reviews.journey's keys.
    PROGRESS_CHECK = "progress_check"

    # No index of their own: the unique constraints' indexes start with the recipient, the
    # sent reminders are indexed by action below, and every index slows the daily sweep's
    # tens of thousands of inserts and updates. Nothing here is ever deleted.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reminders",
        db_index=False,
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.PROTECT,
        related_name="reminders",
        db_index=False,
        null=True,
        blank=True,
    )
    review = models.ForeignKey(
        Review,
        on_delete=models.PROTECT,
        related_name="reminders",
        db_index=False,
        null=True,
        blank=True,
        help_text="For a reminder about a stage of the review's statutory journey.",
    )
    stage = models.CharField(
        max_length=30,
        blank=True,
        help_text="The journey's stage (reviews.journey), progress_check, or impact_check_ and "
        "a recommendation's number; blank for an action.",
    )
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    reminder_date = models.DateField(help_text="The day the reminder is for.")
    due_date = models.DateField(
        help_text="The action's due date, or the stage's, when the reminder was made."
    )
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    scoped_by = ("action__partnership", "action__review")

    class Meta:
        ordering = ["-reminder_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "action", "kind", "reminder_date"],
                condition=Q(action__isnull=False),
                name="reminder_once_per_recipient_action_kind_day",
            ),
            models.UniqueConstraint(
                fields=["recipient", "review", "stage", "kind", "reminder_date"],
                condition=Q(review__isnull=False),
                name="reminder_once_per_recipient_review_stage_kind_day",
            ),
            models.CheckConstraint(
                condition=Q(action__isnull=False, review__isnull=True, stage="")
                | (Q(action__isnull=True, review__isnull=False) & ~Q(stage="")),
                name="reminder_about_an_action_or_a_review_stage",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]
        indexes = [
            # The outbox: what each sweep polls. Small, because sent rows are not in it.
            models.Index(
                fields=["recipient", "status"],
                condition=Q(status__in=["pending", "sending", "failed"]),
                name="reminder_outbox",
            ),
            # The reminders sent about an action, for its page. Only sent ones: the sweep
            # claims and marks tens of thousands of rows a day, and each index slows that.
            models.Index(
                fields=["action", "reminder_date"],
                condition=Q(status="sent"),
                name="reminder_sent_by_action",
            ),
        ]

    def __str__(self):
        about = self.action if self.action_id else f"{self.review}, {self.stage}"
        return f"{self.get_kind_display()} to {self.recipient} about {about}"


class NoticeKind(models.TextChoices):
    APPROVED = "approved", "Action approved"
    RETURNED = "returned", "Action returned"
    EXTENSION_GRANTED = "extension_granted", "Extension granted"
    EXTENSION_DECLINED = "extension_declined", "Extension declined"
    REOPENED = "reopened", "Action reopened"
    SUPERSEDED = "superseded", "Action superseded"
    MOVED = "moved", "Action moved to your agency"
    WITHDRAWN = "withdrawn", "Action withdrawn as logged in error"
    # Changes, not decisions, on work the person owns or follows: shown, never emailed.
    PROGRESS_POSTED = "progress_posted", "Progress posted on your action"
    EVIDENCE_ADDED = "evidence_added", "Evidence added to your action"
    ACTION_CHANGED = "action_changed", "Your action changed"
    SUBMITTED = "submitted", "Action submitted for sign-off"
    RECOMMENDATION_CLOSED = "recommendation_closed", "Recommendation closed"
    EMBEDDED = "embedded", "Learning embedded"
    NOT_YET_EMBEDDED = "not_yet_embedded", "Learning not yet embedded"
    STAGE_LATE = "stage_late", "Review stage recorded late"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"


class Notice(models.Model):
    """A decision told to one person it affects (actions.notices): on their notifications
    page, unread until they open it, and an email owed, sent once through the outbox
    (sscp.outbox), at once or in their daily digest as they choose."""

    Kind = NoticeKind
    Status = ReminderStatus

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices", db_index=False
    )
    # The record's partnership (the invitation's, for one accepted), for the scope.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.ForeignKey(
        Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    # What happened, in words that may leave the service: no comment, nothing of a child.
    text = models.CharField(max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The outbox (sscp.outbox), as the reminders'.
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="notice_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notice_by_recipient"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread"
            ),
            models.Index(
                fields=["recipient", "status"],
                condition=Q(status__in=["pending", "sending", "failed"]),
                name="notice_outbox",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"

    def url(self) -> str:
        """The full address of what the decision was about, for an email."""
        return settings.SITE_URL + self.path()

    def path(self) -> str:
        """The address of what the decision was about: the page that says more."""
        if self.action_id:
            path = reverse("action-detail", args=[self.partnership.slug, self.action_id])
        elif self.recommendation_id:
            path = reverse(
                "recommendation-detail", args=[self.partnership.slug, self.recommendation_id]
            )
        elif self.review_id:
            path = reverse("review-detail", args=[self.partnership.slug, self.review_id])
        else:
            path = reverse("people", args=[self.partnership.slug])
        return path


class CountKey(NamedTuple):
    """Where the kept counts count an action (Action.count_key)."""

    partnership_id: int
    agency_id: int
    status: str
    returned: bool
    due_month: datetime.date
    recommendation_id: int
    review_id: int
    due_date: datetime.date


class ActionTally(models.Model):
    """How many actions (not withdrawn) a partnership's agency has in one status, returned or
    not, due in one month: the dashboards' figures by status and by rating, read from a few
    hundred rows instead of counted from every action.

    Kept by Action.save (ActionTally.move) in the transaction of each change to an action;
    actions.counts reads them, and `manage.py verify_counts` recounts them from the actions
    and reports any drift.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ActionStatus.choices)
    returned = models.BooleanField()
    due_month = models.DateField(help_text="The first day of the month the actions are due in.")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "agency", "status", "returned", "due_month"],
                name="action_tally_unique",
            ),
        ]

    def __str__(self):
        return f"{self.count} {self.status} due {self.due_month:%B %Y}"

    @classmethod
    def move(cls, before: "CountKey | None", after: "CountKey | None") -> None:
        """Count an action where it is now (`after`, Action.count_key) instead of where it
        was (`before`); None: counted nowhere (new, or withdrawn)."""
        if before is not None:
            cls._add(before, -1)
        if after is not None:
            cls._add(after, +1)
        cls._move_overdue(before, after)
        DueDateTally.move(before, after)

    @classmethod
    def _add(cls, at: "CountKey", delta: int) -> None:
        partnership_id, agency_id, status, returned, due_month, recommendation_id, *_ = at
        count_in(
            cls,
            delta,
            partnership_id=partnership_id,
            agency_id=agency_id,
            status=status,
            returned=returned,
            due_month=due_month,
        )
        opened = delta if status in _OPEN else 0
        Recommendation.every.filter(pk=recommendation_id).update(
            action_count=F("action_count") + delta,
            open_action_count=F("open_action_count") + opened,
        )

    @staticmethod
    def _move_overdue(before: "CountKey | None", after: "CountKey | None") -> None:
        """Move the action in its review's count of overdue actions, in one update: open
        and due before the day the review's actions were counted, before and after. That
        day is read with the row, under its lock, so a recount that day cannot miss the
        change."""
        counted = [
            (at, sign) for at, sign in ((before, -1), (after, +1)) if at and at.status in _OPEN
        ]
        if not counted or (len(counted) == 2 and before.due_date == after.due_date):
            return  # not open, or open and due the same day before and after: no change
        change = sum(
            (
                Case(When(overdue_counted_on__gt=at.due_date, then=sign), default=0)
                for at, sign in counted
            ),
            start=F("overdue_counted"),
        )
        Review.every.filter(pk=counted[0][0].review_id).update(overdue_counted=change)


class DueDateTally(models.Model):
    """How many open actions (not withdrawn) a partnership has due on one day: this year's
    annual figures read how many days each open action is overdue from a row a day (about a
    thousand) instead of from the actions (75,000 open and past due at 300,000 actions).

    Kept with ActionTally (ActionTally.move); `manage.py verify_counts` recounts it.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "due_date"], name="due_date_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.count} open due {self.due_date:%-d %B %Y}"

    @classmethod
    def move(cls, before: "CountKey | None", after: "CountKey | None") -> None:
        change = Counter()
        for at, sign in ((before, -1), (after, +1)):
            if at is not None and at.status in _OPEN:
                change[at.partnership_id, at.due_date] += sign
        for (partnership_id, due_date), delta in change.items():
            if delta:
                count_in(cls, delta, partnership_id=partnership_id, due_date=due_date)


class CompletionTally(models.Model):
    """How many actions (not withdrawn) a partnership saw approved in a financial year, on
    time or not: each action once a year, as its last approval in the year says (the annual
    figures' completions, read from a row or two instead of grouping the year's approvals).

    Kept by SignOffDecision.save as an approval is recorded and by Action.move_counts as an
    action is withdrawn; `manage.py verify_counts` recounts it from the approvals.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    start_year = models.PositiveIntegerField(help_text="The year its April falls in.")
    on_time = models.BooleanField(help_text="Approved by the action's original due date.")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "start_year", "on_time"], name="completion_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.count} {'on time' if self.on_time else 'late'} in {self.start_year}"

    @staticmethod
    def key_of(partnership_id: int, decided_at, original_due_date) -> tuple[int, int, bool]:
        """Where an approval counts: its partnership, financial year and whether on time."""
        day = timezone.localdate(decided_at)
        return partnership_id, FinancialYear.containing(day).start_year, day <= original_due_date

    @classmethod
    def _add(cls, key: tuple[int, int, bool], delta: int) -> None:
        partnership_id, start_year, on_time = key
        count_in(cls, delta, partnership_id=partnership_id, start_year=start_year, on_time=on_time)

    @classmethod
    def approved(cls, decision: "SignOffDecision") -> None:
        """Count an approval just recorded, if it is its action's last in its year."""
        key = cls.key_of(decision.partnership_id, decision.decided_at, decision.original_due_date)
        start, after = FinancialYear(key[1]).moments()
        other = (
            SignOffDecision.objects.filter(
                action_id=decision.action_id,
                outcome=DecisionOutcome.APPROVED,
                decided_at__gte=start,
                decided_at__lt=after,
            )
            .exclude(pk=decision.pk)
            .order_by("-decided_at", "-pk")
            .values_list("decided_at", "pk", "original_due_date")
            .first()
        )
        if other is not None and other[:2] > (decision.decided_at, decision.pk):
            return  # a later approval in the year counts the action
        if other is not None:
            cls._add(cls.key_of(decision.partnership_id, other[0], other[2]), -1)
        cls._add(key, +1)

    @classmethod
    def leave_out(cls, action: "Action") -> None:
        """Stop counting a withdrawn action's approvals: each year's last."""
        approvals = SignOffDecision.objects.filter(
            action_id=action.pk, outcome=DecisionOutcome.APPROVED
        ).order_by("decided_at", "pk")
        last = {}
        rows = approvals.values_list("decided_at", "original_due_date")
        for decided_at, original_due_date in rows:
            key = cls.key_of(action.partnership_id, decided_at, original_due_date)
            last[key[:2]] = key  # the year's later approvals overwrite its earlier
        for key in last.values():
            cls._add(key, -1)


class ClosedYear(models.Model):
    """A partnership's annual figures of a financial year gone by, stored when the year
    closed (actions.reports): a closed year's page reads them instead of the history."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    start_year = models.PositiveIntegerField(help_text="The year its April falls in.")
    figures = models.JSONField()
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "start_year"], name="closed_year_once_per_partnership"
            ),
        ]

    def __str__(self):
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"
