import datetime
from collections import Counter, defaultdict
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from audits.history import TrackedHistory, TrackedQuerySet
from sscp import database
from sscp.models import Agency, Partnership
from sscp.scope import address
from sscp.storage import evidence_storage, evidence_upload_to


class Withdrawable(models.Model):
    """A review, recommendation or action the partnership team can withdraw as logged in
    error (reviews.services.withdraw): with a reason, on the record, and from then on in no
    list, count, export, reminder or figure. `objects` reads only what is not withdrawn;
    `every` reads all, for the record itself, the audit trail and the admin."""

    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class KeepsCounts(models.Model):
    """A row that keeps counts of other rows (its `kept_counts` fields), written only as
    those rows change (CountedElsewhere): a row read before one of them changed must not
    write its old counts back when it is saved."""

    kept_counts: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.kept_counts
            ]
        super().save(*args, **kwargs)


class CountedElsewhere(models.Model):
    """A row counted in counts kept elsewhere (actions.counts): saving it moves it from
    where it was counted (`counted_as`, as read) to where it is counted now (`count_key`),
    in the same transaction, so no way of saving one can leave its counts behind."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.counted_as = None
        elif not hasattr(self, "counted_as"):
            raise RuntimeError(
                f"Read the {self._meta.verbose_name} whole before saving it: its counts must move."
            )
        with transaction.atomic():
            super().save(*args, **kwargs)
            after = self.count_key()
            if after != self.counted_as:
                self.move_counts(self.counted_as, after)
            self.counted_as = after

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        if not row.get_deferred_fields():
            row.counted_as = row.count_key()  # where the counts are moved from
        return row

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        if not self.get_deferred_fields():
            self.counted_as = self.count_key()  # counted now as the row read back says

    def count_key(self):
        """Where the kept counts count this row; None: nowhere (withdrawn)."""
        raise NotImplementedError

    def move_counts(self, before, after) -> None:
        """Count the row at `after` instead of `before` (None: nowhere)."""
        raise NotImplementedError


def count_in(tally, delta: int, **at) -> None:
    """Add `delta` to the count of the `tally` row at `at`, made with 0 if it is the first."""
    row = tally.objects.filter(**at)
    if not row.update(count=F("count") + delta):
        # The first of its kind. Two at once: one creates it, the other finds it.
        tally.objects.get_or_create(**at, defaults={"count": 0})
        row.update(count=F("count") + delta)


def keeping_counts_of(partnership_id: int, what: str):
    """Where a change is counted: a joint review's rows belong to its commissioning
    partnership, whose counts a person of another partnership of the review moves past
    the row-level policies."""
    if database.reaches(partnership_id):
        return nullcontext()
    return database.every_partnership(f"keeping the counts of a joint review's {what}")


def kept(queryset_class):
    """A manager of `queryset_class` that leaves out withdrawn rows; as a model's first
    manager, the default, so related managers (`review.recommendations`) leave them out
    too. Joins in filters (`actions__status`) do not pass through it: say it there."""

    class KeptManager(models.Manager.from_queryset(queryset_class)):
        def get_queryset(self):
            return super().get_queryset().filter(withdrawn_at__isnull=True)

    return KeptManager()


def withdrawal_constraint(model_name: str) -> models.CheckConstraint:
    """A withdrawn row says when, by whom and why; a row that is not says none of these."""
    return models.CheckConstraint(
        condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
        | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
        name=f"{model_name}_withdrawal_complete",
    )


@dataclass(frozen=True)
class FinancialYear:
    """1 April to 31 March, as the annual report counts (actions.reports)."""

    start_year: int

    @classmethod
    def containing(cls, day: datetime.date) -> "FinancialYear":
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.start_year, 4, 1)

    @property
    def end(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    def holds(self, day: datetime.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The year as aware datetimes in the partnership's time zone: [start, next start)."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time(), zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), zone
        )
        return start, after


class Theme(models.Model):
    """A recurring subject of learning, such as neglect or disguised compliance.

    Each partnership keeps its own list, in its own words: no partnership's team can
    rename or retire another's theme (docs/architecture.md, "Partnerships").
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="themes")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="theme_name_unique_in_partnership"
            ),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {"description": f"Theme “{row.name}”", "partnership_id": row.partnership_id}


class ThemeTally(models.Model):
    """How many reviews (not withdrawn) of a partnership have a theme, their own or a
    recommendation's (Review.all_themes), in each financial year: that of the review's
    publication, or of its commissioning before it is published. Recurring learning reads a
    row a theme a year instead of grouping every review's themes.

    Kept by keep_themes_of as themes are set, and by Review.save as a review's year
    changes or it is withdrawn; `manage.py verify_counts` recounts it (actions.counts).
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    start_year = models.PositiveIntegerField(help_text="The year its April falls in.")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "theme", "start_year"], name="theme_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.count} reviews of {self.start_year} with theme {self.theme_id}"

    @staticmethod
    def year_of(published_on, commissioned_on, withdrawn_at) -> int | None:
        """The financial year a review's themes count in; None: nowhere."""
        day = published_on or commissioned_on
        if withdrawn_at is not None or day is None:
            return None
        return FinancialYear.containing(day).start_year

    @classmethod
    def add(cls, change: Counter) -> None:
        """Add each {(partnership, theme, year): delta} of `change`."""
        for (partnership_id, theme_id, start_year), delta in sorted(change.items()):
            if delta:
                count_in(
                    cls,
                    delta,
                    partnership_id=partnership_id,
                    theme_id=theme_id,
                    start_year=start_year,
                )


class ReviewKind(models.TextChoices):
    SERIOUS_CASE_REVIEW = "scr", "Serious case review"
    PRACTICE_REVIEW = "cspr", "Child safeguarding practice review"
    RAPID_REVIEW = "rapid", "Rapid review"
    THEMATIC_AUDIT = "thematic", "Thematic audit"
    SECTION_11_AUDIT = "section11", "Section 11 audit"
    JTAI_DRY_RUN = "jtai", "JTAI dry run"
    NATIONAL_REVIEW = "national", "National review"


class JourneyDecision(models.TextChoices):
    LOCAL_REVIEW = "local_review", "Hold a local child safeguarding practice review"
    NO_LOCAL_REVIEW = "no_local_review", "No local review"


class PanelResponse(models.TextChoices):
    AGREES = "agrees", "The Panel agrees"
    DISAGREES = "disagrees", "The Panel does not agree"


# A review is open while a recommendation is still to close, or none is logged yet.
OPEN_REVIEW = Q(recommendation_count=0) | Q(
    closed_recommendation_count__lt=F("recommendation_count")
)


class Review(KeepsCounts, Withdrawable):
    """A source of learning: a case review, a thematic audit or a Section 11 audit.

    It belongs to the partnership that commissioned it; one commissioned jointly (the HIPS
    Section 11 audit, a cross-border practice review) is seen by each partnership named in
    `joint_partnerships` too. Its recommendations and actions carry its partnership.
    """

    Kind = ReviewKind
    Decision = JourneyDecision
    Response = PanelResponse

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name="commissioning partnership",
    )
    joint_partnerships = models.ManyToManyField(
        Partnership,
        blank=True,
        related_name="joint_reviews",
        verbose_name="commissioned jointly with",
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.TextField(blank=True)
    commissioned_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)

    # A serious incident's statutory journey (reviews.journey): what was done, and when.
    # Each date is recorded through reviews.services, on the record; the deadlines are
    # counted from them in working days. Reviews of other kinds leave them empty.
    child_pseudonym = models.CharField(
        "the child's pseudonym",
        max_length=60,
        blank=True,
        help_text="Never a real name: for example “Child A” or “Liam”.",
    )
    became_aware_on = models.DateField(
        "date the local authority became aware", null=True, blank=True
    )
    notified_on = models.DateField("notification sent to the National Panel", null=True, blank=True)
    rapid_review_started_on = models.DateField("rapid review started", null=True, blank=True)
    rapid_review_completed_on = models.DateField("rapid review completed", null=True, blank=True)
    rapid_review_sent_on = models.DateField(
        "rapid review sent to the National Panel", null=True, blank=True
    )
    decision = models.CharField(
        "decision on a local review", max_length=20, choices=JourneyDecision.choices, blank=True
    )
    decision_rationale = models.TextField("reasons for the decision", blank=True)
    decided_on = models.DateField("date of the decision", null=True, blank=True)
    panel_response = models.CharField(
        "the National Panel's response", max_length=20, choices=PanelResponse.choices, blank=True
    )
    panel_response_on = models.DateField("date of the Panel's response", null=True, blank=True)
    local_review_commissioned_on = models.DateField(
        "local review commissioned", null=True, blank=True
    )
    reviewer = models.CharField("reviewer", max_length=200, blank=True)
    terms_of_reference = models.TextField("terms of reference", blank=True)
    local_review_completed_on = models.DateField("local review completed", null=True, blank=True)
    final_report_received_on = models.DateField("final report received", null=True, blank=True)
    final_report_sent_on = models.DateField(
        "final report sent to the Panel and the Secretary of State", null=True, blank=True
    )
    published_url = models.URLField("address of the published report", blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="reviews")
    created_at = models.DateTimeField(auto_now_add=True)

    # Kept by its recommendations as each is saved (Recommendation.move_counts; never
    # recounted by a page, `manage.py verify_counts` checks them): its recommendations
    # not withdrawn, and of those the closed ones. Not history.
    recommendation_count = models.PositiveIntegerField(default=0, editable=False)
    closed_recommendation_count = models.PositiveIntegerField(default=0, editable=False)
    # Its open actions past their due date on the day they were last counted (daily, by
    # actions.counts.count_overdue), kept by its actions as each is saved; those that have
    # fallen due since are counted from the actions (actions.counts.overdue_by_review).
    overdue_counted = models.PositiveIntegerField(default=0, editable=False)
    overdue_counted_on = models.DateField(default=timezone.localdate, editable=False)
    # Its themes and its recommendations' (those not withdrawn) together: what recurring
    # learning counts a review under, read a row a theme instead of joined from every
    # recommendation's themes. Kept as either side's themes change (keep_themes_of).
    all_themes = models.ManyToManyField(Theme, related_name="+", editable=False)
    kept_counts = (
        "recommendation_count",
        "closed_recommendation_count",
        "overdue_counted",
        "overdue_counted_on",
    )

    OPEN = OPEN_REVIEW

    history = TrackedHistory(m2m_fields=[themes, joint_partnerships], excluded_fields=kept_counts)
    objects = kept(TrackedQuerySet)
    every = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "pk")

    class Meta:
        ordering = ["-published_on", "title"]
        indexes = [
            # The partnership team's Home counts the open reviews from this index alone.
            models.Index(
                fields=["partnership", "id"],
                condition=Q(withdrawn_at__isnull=True) & OPEN_REVIEW,
                name="review_open",
            ),
            # The team's Home ranks the reviews by their overdue actions from this index
            # alone, and finds the day the least recently counted was counted on.
            models.Index(
                fields=["partnership", "overdue_counted_on", "overdue_counted", "id"],
                condition=Q(withdrawn_at__isnull=True),
                name="review_overdue",
            ),
            # The list of reviews, newest first: its page read in this order, not every
            # review of the partnership sorted to find it.
            models.Index(
                fields=["partnership", "-published_on", "title"],
                condition=Q(withdrawn_at__isnull=True),
                name="review_listed",
            ),
            # The annual figures' years run from the earliest review published (above) or
            # serious incident known of (here): each found first in its index, not by
            # reading every review of the partnership.
            models.Index(
                fields=["partnership", "became_aware_on", "id"],
                condition=Q(withdrawn_at__isnull=True, became_aware_on__isnull=False),
                name="review_became_aware",
            ),
        ]
        constraints = [
            # A review withdrawn as logged in error frees its title.
            models.UniqueConstraint(
                fields=["partnership", "title"],
                condition=Q(withdrawn_at__isnull=True),
                name="review_title_unique_in_partnership",
            ),
            withdrawal_constraint("review"),
            models.CheckConstraint(
                condition=Q(kind__in=ReviewKind.values),
                name="review_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="review_title_not_empty"),
            models.CheckConstraint(
                condition=Q(decision__in=["", *JourneyDecision.values]),
                name="review_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(panel_response__in=["", *PanelResponse.values]),
                name="review_panel_response_valid",
            ),
            models.CheckConstraint(
                condition=Q(commissioned_on__isnull=True)
                | Q(published_on__isnull=True)
                | Q(published_on__gte=models.F("commissioned_on")),
                name="review_published_after_commissioned",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Saved, its themes count in the year it counts in now (ThemeTally): moved there
        from the year of the row as stored, read under its lock."""
        with transaction.atomic():
            before = None
            if not self._state.adding:
                stored = (
                    Review.every.select_for_update()
                    .filter(pk=self.pk)
                    .values_list("published_on", "commissioned_on", "withdrawn_at")
                    .first()
                )
                before = stored and ThemeTally.year_of(*stored)
            super().save(*args, **kwargs)
            after = ThemeTally.year_of(self.published_on, self.commissioned_on, self.withdrawn_at)
            if before != after:
                self._move_themes(before, after)

    def get_absolute_url(self):
        return address("review-detail", self, self.pk)

    def _move_themes(self, before: int | None, after: int | None) -> None:
        change = Counter()
        for theme_id in Review.all_themes.through.objects.filter(review_id=self.pk).values_list(
            "theme_id", flat=True
        ):
            for year, delta in ((before, -1), (after, +1)):
                if year is not None:
                    change[self.partnership_id, theme_id, year] += delta
        with keeping_counts_of(self.partnership_id, "review"):
            ThemeTally.add(change)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Review “{row.title}”",
            "review_id": row.id,
            "partnership_id": row.partnership_id,
        }

    @property
    def follows_journey(self) -> bool:
        """A serious incident's review: the statutory clock runs from the awareness date."""
        return self.became_aware_on is not None

    def commissioners(self) -> list[int]:
        """The ids of the partnerships that commissioned it: its own, then any joint ones."""
        return [self.partnership_id, *self.joint_partnerships.values_list("pk", flat=True)]

    @property
    def is_complete(self) -> bool:
        """Derived, never stored: every recommendation is closed."""
        recommendations = list(self.recommendations.all())
        return bool(recommendations) and all(r.is_closed for r in recommendations)


class Assurance(models.TextChoices):
    """Where a recommendation stands, from open to embedded: always a tag with its words."""

    OPEN = "open", "Open"
    COMPLETE = "complete", "Closed"
    IMPACT_CHECK_DUE = "impact_check_due", "Impact check due"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Impact awaiting confirmation"
    EMBEDDED = "embedded", "Embedded"


# GOV.UK tag colours: BRAG, blue for embedded.
ASSURANCE_COLOURS = {
    Assurance.OPEN: "grey",
    Assurance.COMPLETE: "green",
    Assurance.IMPACT_CHECK_DUE: "orange",
    Assurance.AWAITING_CONFIRMATION: "yellow",
    Assurance.EMBEDDED: "blue",
}


def assurance_of(closed_at, embedded_at, impact_check_due_on, awaiting, today) -> Assurance:
    """Where a recommendation stands past its actions, from its values: the one rule, for
    its page and tag and for the rows of an export."""
    if embedded_at is not None:
        return Assurance.EMBEDDED
    if closed_at is None:
        return Assurance.OPEN
    if awaiting:
        return Assurance.AWAITING_CONFIRMATION
    if impact_check_due_on is not None and impact_check_due_on <= today:
        return Assurance.IMPACT_CHECK_DUE
    return Assurance.COMPLETE


class ImpactMethod(models.TextChoices):
    RE_AUDIT = "re_audit", "Re-audit of case files"
    SURVEY = "survey", "Practitioner survey"
    INDICATOR = "indicator", "Data indicator"
    FEEDBACK = "feedback", "Feedback from children and families"
    LEARNING_REACH = "learning_reach", "A learning activity's reach"


class ImpactOutcome(models.TextChoices):
    EMBEDDED = "embedded", "Embedded"
    NOT_YET_EMBEDDED = "not_yet_embedded", "Not yet embedded"


KEPT_COUNTS = ("action_count", "open_action_count")


class Recommendation(KeepsCounts, CountedElsewhere, Withdrawable):
    """What a review asks the partnership to change, owned by one or more agencies."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations")
    # The review's, kept on the row so that a partnership's lists and its row-level
    # security read it without a join (set by reviews.services from the review).
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    themes = models.ManyToManyField(Theme, blank=True, related_name="recommendations")
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="recommendations", verbose_name="owning agencies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Recurring learning: an earlier recommendation of the partnership that said much the
    # same, as the person writing this one marked it (reviews.recurring finds candidates).
    repeats = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeated_by",
        verbose_name="repeats the learning of",
    )

    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    impact_statement = models.TextField(
        blank=True, help_text="The SILG chair's statement of the impact the recommendation made."
    )
    # Past "complete": closing sets when its impact is to be checked (IMPACT_CHECK_MONTHS
    # later); the SILG chair confirms it embedded once an impact check shows it, or finds
    # it not yet embedded, which reopens it with a new check date (reviews.services).
    impact_check_due_on = models.DateField("impact to be checked by", null=True, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    embedded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Kept by actions.counts in the transaction that changes one of its actions (never
    # recounted by a page; `manage.py verify_counts` checks them): its actions not
    # withdrawn, and of those the open ones. Not history: they follow the actions' own.
    action_count = models.PositiveIntegerField(default=0, editable=False)
    open_action_count = models.PositiveIntegerField(default=0, editable=False)

    kept_counts = KEPT_COUNTS

    history = TrackedHistory(m2m_fields=[themes, agencies], excluded_fields=KEPT_COUNTS)
    objects = kept(TrackedQuerySet)
    every = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["review", "number"]
        indexes = [
            # Ready to close (reviews.selectors.is_ready_to_close): a handful in any partnership,
            # as the planner knows from statistics of the columns together (reviews 0021).
            models.Index(
                fields=["partnership", "review", "number"],
                condition=Q(
                    action_count__gt=0,
                    open_action_count=0,
                    closed_at__isnull=True,
                    withdrawn_at__isnull=True,
                ),
                name="recommendation_ready",
            ),
            # A review's recommendations read from the index alone, the row-level policy's
            # columns with them: recurring learning joins every review's recommendations
            # to their themes, and reading the table's rows took 37 ms of 114 at 77,000.
            models.Index(
                fields=["review", "id", "partnership"],
                condition=Q(withdrawn_at__isnull=True),
                name="recommendation_review_kept",
            ),
            # Those closed by a year's end, embedded, or with an impact check overdue (the
            # annual figures' closures), read from the index alone with the row-level
            # policy's columns: they are a fifth of a partnership's recommendations.
            models.Index(
                fields=[
                    "partnership",
                    "closed_at",
                    "embedded_at",
                    "impact_check_due_on",
                    "review",
                    "id",
                ],
                condition=Q(closed_at__isnull=False, withdrawn_at__isnull=True),
                name="recommendation_closed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                condition=Q(withdrawn_at__isnull=True),
                name="recommendation_number_unique_in_review",
            ),
            withdrawal_constraint("recommendation"),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="recommendation_number_positive"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="recommendation_text_not_empty"),
            models.CheckConstraint(
                condition=(
                    Q(closed_at__isnull=True, closed_by__isnull=True, impact_statement="")
                    | (
                        Q(closed_at__isnull=False, closed_by__isnull=False)
                        & ~Q(impact_statement="")
                    )
                ),
                name="recommendation_closure_complete",
            ),
            models.CheckConstraint(
                condition=~Q(repeats=models.F("pk")), name="recommendation_repeats_another"
            ),
            models.CheckConstraint(
                condition=Q(embedded_at__isnull=True, embedded_by__isnull=True)
                | Q(embedded_at__isnull=False, embedded_by__isnull=False, closed_at__isnull=False),
                name="recommendation_embedded_once_closed",
            ),
        ]

    def __str__(self):
        return f"{self.review} recommendation {self.number}"

    def get_absolute_url(self):
        return address("recommendation-detail", self, self.pk)

    def count_key(self) -> tuple | None:
        """Where its review's kept counts count it: (review, closed); withdrawn, nowhere."""
        if self.withdrawn_at is not None:
            return None
        return (self.review_id, self.closed_at is not None)

    def move_counts(self, before, after) -> None:
        with keeping_counts_of(self.partnership_id, "recommendation"):
            for key, delta in ((before, -1), (after, +1)):
                if key is not None:
                    review_id, closed = key
                    Review.every.filter(pk=review_id).update(
                        recommendation_count=F("recommendation_count") + delta,
                        closed_recommendation_count=F("closed_recommendation_count")
                        + (delta if closed else 0),
                    )
            # Withdrawn (or moved), its themes leave its review's; a new one's come with
            # them, as they are set (themes_changed).
            if before is not None and (after is None or after[0] != before[0]):
                keep_themes_of({key[0] for key in (before, after) if key is not None})

    @staticmethod
    def audit_about(row, lookups) -> dict:
        review = lookups.values(Review, row.review_id, ("title",)) or {"title": None}
        return {
            "description": f"{review['title']} recommendation {row.number}",
            "review_id": row.review_id,
            "recommendation_id": row.id,
            "partnership_id": row.partnership_id,
        }

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def made_on(self):
        """When the learning was made: its review's publication (or commissioning), or the
        day it was logged."""
        review = self.review
        return review.published_on or review.commissioned_on or self.created_at.date()

    @property
    def is_embedded(self) -> bool:
        return self.embedded_at is not None

    @property
    def assurance(self) -> "Assurance":
        """Where the recommendation stands past its actions (BRAG: blue once embedded).
        Whether an impact check awaits the SILG chair is annotated by the selectors."""
        return assurance_of(
            self.closed_at,
            self.embedded_at,
            self.impact_check_due_on,
            getattr(self, "impact_awaiting_decision", False),
            timezone.localdate(),
        )

    @property
    def assurance_colour(self) -> str:
        return ASSURANCE_COLOURS[self.assurance]

    @property
    def is_ready_to_close(self) -> bool:
        """Open, with actions, every one of them closed: from the counts kept on the row
        (actions.counts)."""
        return not self.is_closed and self.action_count > 0 and self.open_action_count == 0


def themes_by_review(reviews) -> dict[int, set[int]]:
    """The ids of the themes of each of `reviews` (a queryset) and of its recommendations not
    withdrawn, as Review.all_themes keeps them; reviews with none left out. One query."""
    own = Review.themes.through.objects.filter(review__in=reviews).values_list(
        "review_id", "theme_id"
    )
    of_recommendations = Recommendation.themes.through.objects.filter(
        recommendation__review__in=reviews, recommendation__withdrawn_at__isnull=True
    ).values_list("recommendation__review_id", "theme_id")
    found = defaultdict(set)
    for review_id, theme_id in own.order_by().union(of_recommendations.order_by(), all=True):
        found[review_id].add(theme_id)
    return dict(found)


@transaction.atomic
def keep_themes_of(review_ids) -> None:
    """Write the kept themes of these reviews afresh (Review.all_themes), and move their
    count by theme and year (ThemeTally). Each review is locked first, so that two changes
    at once to its themes count one after the other."""
    reviews = Review.every.filter(pk__in=review_ids)
    year_of = {
        pk: (partnership_id, year)
        for pk, partnership_id, *dates in reviews.select_for_update()
        .order_by("pk")
        .values_list("pk", "partnership_id", "published_on", "commissioned_on", "withdrawn_at")
        if (year := ThemeTally.year_of(*dates)) is not None
    }
    found = themes_by_review(reviews)
    kept = Review.all_themes.through.objects.filter(review_id__in=review_ids)
    change = Counter()
    for review_id, theme_id in kept.values_list("review_id", "theme_id"):
        if review_id in year_of:
            change[year_of[review_id][0], theme_id, year_of[review_id][1]] -= 1
    for review_id, theme_ids in found.items():
        if review_id in year_of:
            for theme_id in theme_ids:
                change[year_of[review_id][0], theme_id, year_of[review_id][1]] += 1
    kept.delete()
    Review.all_themes.through.objects.bulk_create(
        Review.all_themes.through(review_id=review_id, theme_id=theme_id)
        for review_id in review_ids
        for theme_id in found.get(review_id, ())
    )
    ThemeTally.add(change)


def themes_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """m2m_changed receiver for the themes of reviews and of recommendations: their reviews'
    kept themes follow in the same transaction, however the themes were set."""
    if reverse and action == "pre_clear":  # a theme taken from all its rows: which, before
        instance._themes_cleared_from = set(
            model.every.filter(themes=instance).values_list("pk", flat=True)
        )
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        rows = instance.__dict__.pop("_themes_cleared_from", set()) | set(pk_set or ())
        review_ids = (
            set(rows)
            if model is Review
            else set(Recommendation.every.filter(pk__in=rows).values_list("review_id", flat=True))
        )
    else:
        review_ids = {instance.pk if isinstance(instance, Review) else instance.review_id}
    with keeping_counts_of(instance.partnership_id, "themes"):
        keep_themes_of(review_ids)


class ProgressCheck(models.Model):
    """A check by the SILG of a local review's progress (Regulation 14 of the Child
    Safeguarding Practice Review and Relevant Agency (England) Regulations 2018)."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="progress_checks")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    checked_on = models.DateField("date of the check")
    findings = models.TextField("what the check found")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["checked_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(findings=""), name="progress_check_has_findings"),
        ]

    def __str__(self):
        return f"Progress check of {self.review} on {self.checked_on}"

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Progress check on {row.checked_on}",
            "review_id": row.review_id,
            "partnership_id": row.partnership_id,
        }


class ImpactCheck(models.Model):
    """The partnership team's evidence that a closed recommendation made a difference, and
    the SILG chair's decision on it: embedded, or not yet (reviews.services)."""

    Method = ImpactMethod
    Outcome = ImpactOutcome

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="impact_checks"
    )
    # The recommendation's, kept on the row for the partnership's lists and row-level security.
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    method = models.CharField("how the impact was checked", max_length=20, choices=ImpactMethod)
    findings = models.TextField("what the check found")
    learning_activities = models.ManyToManyField(
        "learning.LearningActivity",
        blank=True,
        related_name="impact_checks",
        verbose_name="learning activities it draws on",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=ImpactOutcome, blank=True)
    decision_comment = models.TextField("the SILG chair's comment", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = TrackedHistory(m2m_fields=[learning_activities])
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(findings=""), name="impact_check_has_findings"),
            models.CheckConstraint(
                condition=Q(method__in=ImpactMethod.values), name="impact_check_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="", decided_by__isnull=True, decided_at__isnull=True)
                | Q(
                    outcome__in=ImpactOutcome.values,
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
                name="impact_check_decision_complete",
            ),
            # One check at a time awaits the SILG chair's decision.
            models.UniqueConstraint(
                fields=["recommendation"],
                condition=Q(outcome=""),
                name="impact_check_one_awaiting_decision",
            ),
        ]

    def __str__(self):
        return f"Impact check of {self.recommendation}"

    @property
    def is_decided(self) -> bool:
        return bool(self.outcome)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": "Impact check",
            "review_id": row.review_id,
            "recommendation_id": row.recommendation_id,
            "partnership_id": row.partnership_id,
        }


class ImpactEvidence(models.Model):
    """A file recorded with an impact check: a re-audit's findings, a survey's results.
    Read by the partnership team and the SILG chair only (Ability.SEE_CONFIDENTIAL):
    an audit of case files names children. Kept as recorded, never changed."""

    impact_check = models.ForeignKey(ImpactCheck, on_delete=models.PROTECT, related_name="files")
    # The check's, kept on the row for the partnership's scope and row-level security.
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("file name", max_length=255)
    content_type = models.CharField("kind of file", max_length=100)
    size = models.PositiveBigIntegerField("size")
    sha256 = models.CharField("SHA-256 fingerprint", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = TrackedHistory()
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = "impact evidence"
        verbose_name_plural = "impact evidence"
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="impact_evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="impact_evidence_sha256_hex"
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return address("impact-evidence-download", self, self.pk)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        return {
            "description": f"Impact evidence “{row.original_name}”",
            "review_id": row.review_id,
            "partnership_id": row.partnership_id,
            "recommendation_id": (
                lookups.values(ImpactCheck, row.impact_check_id, ("recommendation_id",)) or {}
            ).get("recommendation_id"),
        }
