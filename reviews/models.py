from django.conf import settings
from django.db import models
from django.db.models import Q

from audits.history import TrackedHistory, TrackedQuerySet
from sscp.models import Agency, Partnership
from sscp.scope import address


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


class Review(models.Model):
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

    history = TrackedHistory(m2m_fields=[themes, joint_partnerships])
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "pk")

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "title"], name="review_title_unique_in_partnership"
            ),
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

    def get_absolute_url(self):
        return address("review-detail", self, self.pk)

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


class Recommendation(models.Model):
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

    history = TrackedHistory(m2m_fields=[themes, agencies])
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", "review")

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"], name="recommendation_number_unique_in_review"
            ),
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
        ]

    def __str__(self):
        return f"{self.review} recommendation {self.number}"

    def get_absolute_url(self):
        return address("recommendation-detail", self, self.pk)

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
    def is_ready_to_close(self) -> bool:
        """Open, with actions, every one of them closed: from the list's counts
        (reviews.selectors.recommendation_list), where it has them."""
        counts = getattr(self, "action_count", None), getattr(self, "open_action_count", None)
        return not self.is_closed and bool(counts[0]) and counts[1] == 0


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
