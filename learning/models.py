from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from audits.history import TrackedHistory, TrackedQuerySet
from reviews.models import Recommendation
from sscp.models import Partnership
from sscp.scope import address

LOWEST_SCORE, HIGHEST_SCORE = Decimal("1.0"), Decimal("5.0")


class LearningActivityKind(models.TextChoices):
    """The kinds of learning the annual report's Workforce Development section describes."""

    BRIEFING = "briefing", "Briefing"
    TRAINING_DAY = "training_day", "Training day"
    WORKSHOP = "workshop", "Workshop"
    TOOLKIT = "toolkit", "Toolkit"
    SPOTLIGHT = "spotlight", "“Spotlight on” briefing"


# Held for people who book places and attend, as against published for them to read: only
# a session has places, attendance and no-shows, and the annual figures count sessions held.
SESSION_KINDS = frozenset(
    {
        LearningActivityKind.BRIEFING,
        LearningActivityKind.TRAINING_DAY,
        LearningActivityKind.WORKSHOP,
    }
)


class LearningActivity(models.Model):
    """Something the partnership did to spread a review's learning (the annual report's
    Workforce Development): a briefing, training day or workshop held, or a toolkit or
    "Spotlight on" briefing published, with its reach and evaluation, and the
    recommendations it answers (of its own partnership)."""

    Kind = LearningActivityKind

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="learning_activities"
    )
    kind = models.CharField("kind of activity", max_length=20, choices=LearningActivityKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    held_on = models.DateField("date held or published")
    audience = models.CharField(
        max_length=200, blank=True, help_text="For example, “Multi-agency practitioners”."
    )
    places_offered = models.PositiveIntegerField(null=True, blank=True)
    attended = models.PositiveIntegerField("number who attended", null=True, blank=True)
    no_shows = models.PositiveIntegerField(
        "no-shows",
        null=True,
        blank=True,
        help_text="People who booked a place and did not come.",
    )
    average_score = models.DecimalField(
        "average evaluation score out of 5",
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(LOWEST_SCORE), MaxValueValidator(HIGHEST_SCORE)],
    )
    recommendations = models.ManyToManyField(
        Recommendation,
        blank=True,
        related_name="learning_activities",
        verbose_name="recommendations it answers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory(m2m_fields=[recommendations])
    objects = TrackedQuerySet.as_manager()
    scoped_by = ("partnership", None)  # sscp.scope: the paths to its partnership and review

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name_plural = "learning activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LearningActivityKind.values),
                name="learning_activity_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="learning_activity_title_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(attended__isnull=True)
                | Q(places_offered__isnull=True)
                | Q(attended__lte=F("places_offered")),
                name="learning_activity_attended_within_places",
            ),
            models.CheckConstraint(
                condition=Q(no_shows__isnull=True)
                | Q(places_offered__isnull=True)
                | Q(no_shows__lte=F("places_offered")),
                name="learning_activity_no_shows_within_places",
            ),
            models.CheckConstraint(
                condition=Q(average_score__isnull=True)
                | Q(average_score__gte=LOWEST_SCORE, average_score__lte=HIGHEST_SCORE),
                name="learning_activity_score_from_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "-held_on"], name="learning_activity_held"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return address("learning-detail", self, self.pk)

    @staticmethod
    def audit_about(row, lookups) -> dict:
        """What the audit record of this row says it is about (audits.records.about)."""
        return {
            "description": f"Learning activity “{row.title}”",
            "partnership_id": row.partnership_id,
        }

    @property
    def is_session(self) -> bool:
        return self.kind in SESSION_KINDS
