"""A SILG meeting: its agenda (what awaits the SILG chair), the pack issued for it and the
minutes of what was decided on each item (docs/architecture.md, "SILG meetings")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from actions.models import Action, ExtensionRequest
from audits.history import TrackedHistory, TrackedQuerySet
from reviews.models import ImpactCheck, Recommendation, Review
from sscp.models import Partnership
from sscp.scope import address
from sscp.storage import evidence_storage, evidence_upload_to


class Meeting(models.Model):
    """One meeting of the Serious Incident Learning Group of a partnership."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField("date of the meeting")
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    minutes_confirmed_at = models.DateTimeField(null=True, blank=True)
    minutes_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "date"], name="meeting_one_a_day"),
            models.CheckConstraint(condition=~Q(title=""), name="meeting_title_not_empty"),
            models.CheckConstraint(
                condition=Q(minutes_confirmed_at__isnull=True, minutes_confirmed_by__isnull=True)
                | Q(minutes_confirmed_at__isnull=False, minutes_confirmed_by__isnull=False),
                name="meeting_minutes_confirmation_complete",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return address("meeting-detail", self, self.pk)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {"description": row.title, "partnership_id": row.partnership_id}

    @property
    def issued_pack(self) -> "MeetingPack | None":
        try:
            return self.pack
        except MeetingPack.DoesNotExist:
            return None

    @property
    def is_frozen(self) -> bool:
        """Once its pack is issued, the agenda is what the meeting saw: it never changes."""
        return self.issued_pack is not None

    @property
    def minutes_confirmed(self) -> bool:
        return self.minutes_confirmed_at is not None

    @property
    def has_taken_place(self) -> bool:
        return self.date <= timezone.localdate()


class AgendaKind(models.TextChoices):
    """What awaits the SILG chair, as the agenda names it."""

    SUBMISSION = "submission", "Submitted for sign-off"
    EXTENSION = "extension", "Extension request awaiting a decision"
    IMPACT_CHECK = "impact_check", "Impact check awaiting a decision"
    IMPACT_CHECK_DUE = "impact_due", "Impact check due"
    STAGE = "stage", "Review stage near its deadline"
    OVERDUE = "overdue", "Overdue past the escalation point"


# The field naming the record each kind of item is about.
RECORD_FIELD = {
    AgendaKind.SUBMISSION: "action",
    AgendaKind.OVERDUE: "action",
    AgendaKind.EXTENSION: "extension_request",
    AgendaKind.IMPACT_CHECK: "impact_check",
    AgendaKind.IMPACT_CHECK_DUE: "recommendation",
    AgendaKind.STAGE: "review",
}
RECORD_FIELDS = ("action", "extension_request", "impact_check", "recommendation", "review")


def _names_only(field: str) -> Q:
    """A row naming `field`'s record and no other."""
    return Q(**{f"{field}__isnull": False}) & Q(
        **{f"{other}__isnull": True for other in RECORD_FIELDS if other != field}
    )


class AgendaItem(models.Model):
    """One thing on a meeting's agenda, about one record: one item per record a meeting.
    Its title is kept as text, as it was when the item was added."""

    Kind = AgendaKind

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    # The meeting's, kept on the row for row-level security.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=AgendaKind.choices)
    action = models.ForeignKey(
        Action, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extension_request = models.ForeignKey(
        ExtensionRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    impact_check = models.ForeignKey(
        ImpactCheck, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(
        "stage of the review's journey", max_length=20, blank=True, help_text="reviews.journey"
    )
    title = models.CharField(max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgendaKind.values), name="agenda_item_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="agenda_item_title_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=[AgendaKind.SUBMISSION, AgendaKind.OVERDUE])
                & _names_only("action")
                | Q(kind=AgendaKind.EXTENSION) & _names_only("extension_request")
                | Q(kind=AgendaKind.IMPACT_CHECK) & _names_only("impact_check")
                | Q(kind=AgendaKind.IMPACT_CHECK_DUE) & _names_only("recommendation")
                | Q(kind=AgendaKind.STAGE) & _names_only("review") & ~Q(stage=""),
                name="agenda_item_names_its_record",
            ),
            *[
                models.UniqueConstraint(
                    fields=["meeting", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"agenda_item_one_per_{field}",
                )
                for field in RECORD_FIELDS
            ],
        ]

    def __str__(self):
        return self.title

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Agenda item “{row.title}”"[:300],
            "partnership_id": row.partnership_id,
        }

    @property
    def record(self):
        """The record the item is about."""
        return getattr(self, RECORD_FIELD[self.kind])

    @property
    def decided_on(self):
        """The record the decision is taken on: an extension request's action, an impact
        check's recommendation, or the record itself."""
        record = self.record
        if self.kind == AgendaKind.EXTENSION:
            return record.action
        if self.kind == AgendaKind.IMPACT_CHECK:
            return record.recommendation
        return record

    @property
    def record_page(self) -> str:
        return self.decided_on.get_absolute_url()

    @property
    def is_withdrawn(self) -> bool:
        """Whether what the item is about was withdrawn as logged in error since it was
        put on the agenda (reviews.models.Withdrawable)."""
        return self.decided_on.is_withdrawn

    @property
    def record_key(self) -> tuple[str, int]:
        field = RECORD_FIELD[self.kind]
        return field, getattr(self, f"{field}_id")


class MeetingPack(models.Model):
    """The pack issued for a meeting: the PDF itself, kept as issued, and its SHA-256
    fingerprint, so that what the meeting saw can be proved later. Never changed."""

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="pack")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("file name", max_length=255)
    content_type = models.CharField("kind of file", max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField("size")
    sha256 = models.CharField("SHA-256 fingerprint", max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)

    class Meta:
        verbose_name = "meeting pack"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="meeting_pack_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="meeting_pack_sha256_hex"
            ),
        ]

    def __str__(self):
        return self.original_name

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Meeting pack “{row.original_name}” (SHA-256 {row.sha256})"[:300],
            "partnership_id": row.partnership_id,
        }


class MinuteEntry(models.Model):
    """A line of a meeting's confirmed minutes: what was decided on one agenda item, by
    whom and when, or that nothing was and the item is carried forward. Never changed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="minute_entries")
    position = models.PositiveIntegerField()
    item_title = models.CharField(max_length=300)
    decision = models.TextField("what was decided")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    carried_forward = models.BooleanField(default=False)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "minute entries"
        constraints = [
            models.CheckConstraint(condition=~Q(decision=""), name="minute_entry_says_what"),
            models.CheckConstraint(
                condition=Q(carried_forward=True, decided_at__isnull=True, decided_by__isnull=True)
                | Q(carried_forward=False, decided_at__isnull=False),
                name="minute_entry_decided_or_carried_forward",
            ),
        ]

    def __str__(self):
        return f"{self.item_title}: {self.decision}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Minutes: {row.item_title}"[:300],
            "partnership_id": row.partnership_id,
        }
