from django.conf import settings
from django.db import models
from django.db.models import Q


class AccessEventKind(models.TextChoices):
    DOWNLOAD = "download", "Evidence downloaded"
    REFUSED = "refused", "Request refused"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Sign-in locked out"
    CSRF_FAILURE = "csrf_failure", "Form refused: security token missing or wrong"
    REFUSALS_COUNTED = "refusals_counted", "Refused requests counted"


class AccessEvent(models.Model):
    """A read that is on the record: an evidence download, or a refused request.

    Refusals of someone not signed in (a guessed calendar address, a failed sign-in,
    a lockout, a CSRF failure) are recorded one by one up to a limit an hour from each
    address, then once as a count (REFUSALS_COUNTED; see sscp.security).

    Written once, never changed: changes to records are in their history instead.
    """

    Kind = AccessEventKind

    kind = models.CharField(max_length=20, choices=AccessEventKind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    partnership = models.ForeignKey(
        "sscp.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partnership whose page was asked for, if any.",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AccessEventKind.values), name="access_event_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="access_event_object")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.method} {self.path} by {self.user or 'anonymous'}"


class AuditRecord(models.Model):
    """One entry of the audit log, sealed into a hash chain.

    Every history row (of every tracked model) and every AccessEvent gets one, in
    the same transaction, in commit order. It says what happened in words, and
    links the source record to what it concerns (agency, review, recommendation,
    action) so the log can be filtered; its seal covers both the source record's
    content and these words, so that neither can change unnoticed.
    """

    class Change(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        DOWNLOADED = "downloaded", "Downloaded"
        REFUSED = "refused", "Refused"

    class RecordType(models.TextChoices):
        REVIEW = "review", "Review"
        RECOMMENDATION = "recommendation", "Recommendation"
        ACTION = "action", "Action"
        PROGRESS = "progressupdate", "Progress update"
        EVIDENCE = "evidence", "Evidence"
        DECISION = "signoffdecision", "Sign-off decision"
        EXTENSION = "extensionrequest", "Extension request"
        THEME = "theme", "Theme"
        AGENCY = "agency", "Agency"
        USER = "user", "User"
        PARTNERSHIP = "partnership", "Partnership"
        MEMBERSHIP = "membership", "Membership"
        INVITATION = "invitation", "Invitation"
        REQUEST = "request", "Request"
        CLOSURE_DAY = "closureday", "Closure day"
        PROGRESS_CHECK = "progresscheck", "Progress check"
        IMPACT_CHECK = "impactcheck", "Impact check"
        IMPACT_EVIDENCE = "impactevidence", "Impact evidence"
        LEARNING_ACTIVITY = "learningactivity", "Learning activity"
        MEETING = "meeting", "SILG meeting"
        AGENDA_ITEM = "agendaitem", "Agenda item"
        MEETING_PACK = "meetingpack", "Meeting pack"
        MINUTE_ENTRY = "minuteentry", "Minute entry"

    seq = models.BigAutoField(primary_key=True)
    source = models.CharField(max_length=80, help_text="The sealed record's table, app.Model.")
    record_id = models.BigIntegerField()
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_type = models.CharField(max_length=20, choices=RecordType.choices)
    object_id = models.BigIntegerField(null=True, blank=True)
    change = models.CharField(max_length=12, choices=Change.choices)
    description = models.CharField(max_length=300)
    changes = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    partnership = models.ForeignKey(
        "sscp.Partnership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "sscp.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        "reviews.Review", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommendation = models.ForeignKey(
        "reviews.Recommendation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.ForeignKey(
        "actions.Action", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id"], name="audit_record_once"),
            models.CheckConstraint(
                condition=Q(change__in=["created", "changed", "deleted", "downloaded", "refused"]),
                name="audit_record_change_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-seq"], name="audit_user"),
            models.Index(fields=["partnership", "-seq"], name="audit_partnership"),
            models.Index(fields=["agency", "-seq"], name="audit_agency"),
            models.Index(fields=["review", "-seq"], name="audit_review"),
            models.Index(fields=["recommendation", "-seq"], name="audit_recommendation"),
            models.Index(fields=["action", "-seq"], name="audit_action"),
            models.Index(fields=["record_type", "-seq"], name="audit_record_type"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_change_display()} {self.description}"
