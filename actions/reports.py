"""
Figures for the partnership's annual report, for one financial year (1 April to
31 March, as the report uses).

Every figure is defined in words in FIGURE_DEFINITIONS, shown on the page beside
it, so the board reads exactly what was counted.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from actions.models import Action, ExtensionRequest, SignOffDecision
from reviews.models import Recommendation, Review
from sscp.models import Agency

FIGURE_DEFINITIONS = {
    "reviews_published": "Reviews and audits whose publication date falls in the year.",
    "recommendations_made": "Recommendations of the reviews published in the year.",
    "recommendations_closed": "Recommendations the SILG chair closed in the year, from any review.",
    "actions_completed": "Actions the SILG chair signed off as completed in the year.",
    "completed_on_time": (
        "Of those, the share signed off on or before their original due date (the date first "
        "agreed, before any extension)."
    ),
    "extensions_granted": "Extension requests the SILG chair granted in the year.",
    "overdue_at_year_end": (
        "Actions that were open and past their due date at the end of the year (or today, for "
        "the year in progress), read from each action's history as it stood then."
    ),
    "median_days_overdue": "The median of how many days past their due date those actions were.",
    "recurring_themes": (
        "Themes found in two or more of the reviews published in the year, counting each "
        "review's own themes and its recommendations' themes."
    ),
}


@dataclass(frozen=True)
class FinancialYear:
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

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The year as aware datetimes in the partnership's time zone: [start, next start)."""
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time(), zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), zone
        )
        return start, after


@dataclass
class AnnualFigures:
    year: FinancialYear
    as_of: datetime.date
    reviews_published: list = field(default_factory=list)
    recommendations_made: int = 0
    recommendations_closed: int = 0
    actions_completed: int = 0
    completed_on_time: int = 0
    extensions_granted: int = 0
    overdue_days: list[int] = field(default_factory=list)
    overdue_by_agency: list[tuple[str, int]] = field(default_factory=list)
    recurring_themes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def completed_on_time_percent(self) -> int | None:
        if not self.actions_completed:
            return None
        return round(100 * self.completed_on_time / self.actions_completed)

    @property
    def median_days_overdue(self) -> float | None:
        return statistics.median(self.overdue_days) if self.overdue_days else None


def annual_figures(
    year: FinancialYear, *, scope, today: datetime.date | None = None
) -> AnnualFigures:
    """The year's figures for the partnerships of `scope` (sscp.scope)."""
    today = today or timezone.localdate()
    start, after = year.moments()
    figures = AnnualFigures(year=year, as_of=min(year.end, today))
    published = scope.filter(
        Review.objects.filter(published_on__gte=year.start, published_on__lte=year.end)
    )
    figures.reviews_published = list(published.order_by("published_on", "title"))
    figures.recommendations_made = Recommendation.objects.filter(review__in=published).count()
    figures.recommendations_closed = scope.filter(
        Recommendation.objects.filter(closed_at__gte=start, closed_at__lt=after)
    ).count()
    _completions(figures, scope, start, after)
    figures.extensions_granted = scope.filter(
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.GRANTED, decided_at__gte=start, decided_at__lt=after
        )
    ).count()
    _overdue_at(figures, scope, figures.as_of)
    figures.recurring_themes = _recurring_themes(published)
    return figures


def _completions(figures: AnnualFigures, scope, start, after) -> None:
    """Actions approved in the year; each counted once, at its last approval in the year."""
    approvals = (
        scope.filter(
            SignOffDecision.objects.filter(
                outcome=SignOffDecision.Outcome.APPROVED,
                decided_at__gte=start,
                decided_at__lt=after,
            )
        )
        .values("action_id")
        .annotate(
            approved_on=TruncDate(Max("decided_at"), tzinfo=timezone.get_current_timezone()),
            due=F("action__original_due_date"),
        )
    )
    totals = approvals.aggregate(
        completed=Count("action_id"),
        on_time=Count("action_id", filter=Q(approved_on__lte=F("due"))),
    )
    figures.actions_completed = totals["completed"]
    figures.completed_on_time = totals["on_time"]


def _overdue_at(figures: AnnualFigures, scope, day: datetime.date) -> None:
    """Actions open and past due at the end of `day`, as their history shows them then."""
    by_agency: Counter = Counter()
    for agency_id, due_date in _open_past_due(scope, day):
        figures.overdue_days.append((day - due_date).days)
        by_agency[agency_id] += 1
    names = dict(Agency.objects.filter(pk__in=by_agency).values_list("pk", "short_name"))
    figures.overdue_by_agency = sorted(
        ((names.get(pk, "?"), count) for pk, count in by_agency.items()),
        key=lambda row: (-row[1], row[0]),
    )


def _open_past_due(scope, day: datetime.date):
    """(agency, due date) of each action open and past due at the end of `day`.

    Today, each action's last history row is the action as it is now, so the
    table answers, from an index; for a day gone by, the history must.
    """
    if day >= timezone.localdate():
        actions = scope.filter(Action.objects.open())
        return actions.filter(due_date__lt=day).values_list("agency_id", "due_date")
    return _open_past_due_in_history(scope, day)


def _open_past_due_in_history(scope, day: datetime.date):
    """The history rows of actions open and past due at the end of `day`: those rows
    that say so, with no later row for the same action by then."""
    zone = timezone.get_current_timezone()
    moment = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    history = Action.history.model.objects.filter(scope.q(), history_date__lt=moment)
    later = history.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    return (
        history.filter(status__in=Action.OPEN_STATUSES, due_date__lt=day)
        .exclude(history_type="-")
        .filter(~Exists(later))
        .order_by()
        .values_list("agency_id", "due_date")
    )


def _recurring_themes(published) -> list[tuple[str, int]]:
    reviews_by_theme = defaultdict(set)
    for review_id, theme in published.filter(themes__isnull=False).values_list(
        "pk", "themes__name"
    ):
        reviews_by_theme[theme].add(review_id)
    recommendation_themes = Recommendation.objects.filter(
        review__in=published, themes__isnull=False
    )
    for review_id, theme in recommendation_themes.values_list("review_id", "themes__name"):
        reviews_by_theme[theme].add(review_id)
    recurring = [(theme, len(ids)) for theme, ids in reviews_by_theme.items() if len(ids) >= 2]
    return sorted(recurring, key=lambda row: (-row[1], row[0]))


def years_with_data(scope, today: datetime.date) -> list[FinancialYear]:
    """Every financial year from the earliest review on record to this one, newest first."""
    first = scope.filter(Review.objects.exclude(published_on=None)).order_by("published_on").first()
    current = FinancialYear.containing(today)
    earliest = FinancialYear.containing(first.published_on) if first else current
    return [FinancialYear(year) for year in range(current.start_year, earliest.start_year - 1, -1)]
