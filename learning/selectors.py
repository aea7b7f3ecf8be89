"""Reading learning activities: the list, one for its page, those answering a
recommendation, and the year's totals as the annual report gives them."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from learning.models import SESSION_KINDS, LearningActivity
from reviews.models import Recommendation
from sscp import scope as scopes
from sscp.permissions import Ability, get_for_user


def _recommendations_by_review():
    return Recommendation.objects.select_related("review").order_by("review__title", "number")


def activity_list(scope):
    """The activities of the partnerships in `scope`, newest first, with how many
    recommendations each answers."""
    # Counted for each row shown, after the page is chosen: counted by grouping every
    # activity with its recommendations first cost 81 ms at 6,000 activities.
    answered = (
        LearningActivity.recommendations.through.objects.filter(
            learningactivity=OuterRef("pk"), recommendation__withdrawn_at__isnull=True
        )
        .order_by()
        .values("learningactivity")
        .annotate(n=Count("*"))
        .values("n")
    )
    return scope.filter(LearningActivity.objects.all()).annotate(
        recommendation_count=Coalesce(Subquery(answered), 0)
    )


def activity_page():
    """Activities with their partnership, who recorded them and the recommendations they
    answer (with their reviews)."""
    return LearningActivity.objects.select_related("partnership", "created_by").prefetch_related(
        Prefetch("recommendations", queryset=_recommendations_by_review())
    )


def activity_for(request, pk, ability: Ability = Ability.READ, queryset=None) -> LearningActivity:
    """The activity for a view: 404 if there is none in the partnership, 403 if the person
    may not do this."""
    return get_for_user(
        request, LearningActivity.objects.all() if queryset is None else queryset, pk, ability
    )


def activities_of(recommendation: Recommendation, scope=None):
    """The activities answering a recommendation, newest first: for its page. Within
    `scope` (by default the request's), as the database's row-level security has it."""
    activities = recommendation.learning_activities.order_by("-held_on", "-pk")
    scope = scope or scopes.active()
    return scope.filter(activities) if scope is not None else activities


@dataclass
class LearningTotals:
    """A year's learning activities as the annual report totals them.

    Sessions are the briefings, training days and workshops held; toolkits and
    "Spotlight on" briefings are published, and counted only by kind. The average
    evaluation score is weighted by attendance: each activity's score counts as many
    times as people attended it, and one with no attendance recorded is left out.
    """

    start: datetime.date
    end: datetime.date
    by_kind: list[tuple[str, int]] = field(default_factory=list)  # (label, count), every kind
    activities: int = 0
    sessions: int = 0
    places_offered: int = 0
    attended: int = 0
    no_shows: int = 0
    average_score: Decimal | None = None


def annual_totals(scope, start: datetime.date, end: datetime.date) -> LearningTotals:
    """The totals of the activities of `scope` held or published from `start` to `end`
    (both included): one query, however many there are."""
    held = scope.filter(LearningActivity.objects.filter(held_on__gte=start, held_on__lte=end))
    scored = Q(average_score__isnull=False, attended__isnull=False)
    Kind = LearningActivity.Kind
    totals = held.aggregate(
        **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in Kind.values},
        sessions=Count("pk", filter=Q(kind__in=SESSION_KINDS)),
        total_places=Sum("places_offered"),
        total_attended=Sum("attended"),
        total_no_shows=Sum("no_shows"),
        score_points=Sum(
            ExpressionWrapper(
                F("average_score") * F("attended"),
                output_field=DecimalField(max_digits=20, decimal_places=1),
            ),
            filter=scored,
        ),
        scored_attendance=Sum("attended", filter=scored),
    )
    by_kind = [(kind.label, totals[f"kind_{kind.value}"]) for kind in Kind]
    return LearningTotals(
        start=start,
        end=end,
        by_kind=by_kind,
        activities=sum(count for _, count in by_kind),
        sessions=totals["sessions"],
        places_offered=totals["total_places"] or 0,
        attended=totals["total_attended"] or 0,
        no_shows=totals["total_no_shows"] or 0,
        average_score=_weighted(totals["score_points"], totals["scored_attendance"]),
    )


def _weighted(points, attendance) -> Decimal | None:
    if not attendance:
        return None
    average = Decimal(str(points)) / Decimal(attendance)  # str: SQLite sums in floats
    return average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
