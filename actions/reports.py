"""
Figures for the partnership's annual report, for one financial year (1 April to
31 March, as the report uses).

Every figure is defined in words in FIGURE_DEFINITIONS, shown on the page beside
it, so the board reads exactly what was counted. The National Panel's own measures
of serious incidents (PanelFigures) are counted by the journey's own deadlines
(reviews.journey.STAGES), in the working days of each review's partnership.

A financial year gone by is closed (close_year): a partnership's figures of it are stored
as they were counted then (ClosedYear), as a published annual report is, and its page
reads them instead of the history.
"""

import dataclasses
import datetime
import functools
import logging
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import get_language

from actions import counts
from actions.models import (
    Action,
    ClosedYear,
    ExtensionRequest,
)
from learning.selectors import LearningTotals, annual_totals
from reviews.journey import BY_KEY
from reviews.models import FinancialYear, ImpactCheck, Recommendation, Review
from sscp import database
from sscp.models import Agency, Partnership
from sscp.scope import Scope
from sscp.spreadsheets import Column
from sscp.working_days import WorkingDays

logger = logging.getLogger(__name__)


def _per_settings(words):
    """A definition naming the limits in force: worded when shown, so that it always says
    what the counting used."""
    return lazy(words, str)()


def _rapid_review_start() -> str:
    if settings.RAPID_REVIEW_COUNTED_FROM == "awareness":
        return "of the day the local authority became aware"
    return "of the notification as sent (or of the day it was due, where none is recorded)"


WORKING_DAYS_ARE = (
    "Working days leave out weekends, bank holidays in England and Wales and the "
    "review's partnership's closure days; the day counted from is not counted."
)

FIGURE_DEFINITIONS = {
    "reviews_published": "Reviews and audits whose publication date falls in the year.",
    "recommendations_made": "Recommendations of the reviews published in the year.",
    "recommendations_closed": "Recommendations the SILG chair closed in the year, from any review.",
    "embedded": (
        "Of the recommendations closed by the end of the year (or today, for the year in "
        "progress) and closed still, the share the SILG chair had confirmed embedded by then: "
        "an impact check showed the learning had made a difference."
    ),
    "impact_checks_overdue": (
        "Closed recommendations not confirmed embedded whose impact check date had passed at "
        "the end of the year (or today), with no impact check awaiting the SILG chair."
    ),
    "learning": (
        "Learning activities held or published in the year (workforce development): "
        "briefings, training days and workshops are sessions; toolkits and “Spotlight on” "
        "notes are published. Places, attendance and no-shows are the sessions' own; the "
        "average evaluation score is weighted by attendance."
    ),
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
    # The National Panel's measures (PanelFigures).
    "notifications": (
        "Serious incidents notified to the National Panel in the year: those whose "
        "notification's date sent falls in it, whenever the local authority became aware."
    ),
    "notified_on_time": _per_settings(
        lambda: (
            f"Of those, the share sent within {settings.NOTIFICATION_WORKING_DAYS} working "
            f"days of the day the local authority became aware. {WORKING_DAYS_ARE}"
        )
    ),
    "rapid_reviews": "Rapid reviews whose date sent to the National Panel falls in the year.",
    "rapid_reviews_on_time": _per_settings(
        lambda: (
            f"Of those, the share sent within {settings.RAPID_REVIEW_WORKING_DAYS} working "
            f"days {_rapid_review_start()}. {WORKING_DAYS_ARE}"
        )
    ),
    "local_review_decisions": (
        "Decisions to hold a local child safeguarding practice review whose date of "
        "decision falls in the year."
    ),
    "panel_agreed": (
        "Of those decisions, the ones with the National Panel's response recorded (whenever "
        "it came: the figure grows as responses arrive), and the share the Panel agreed with."
    ),
    "local_reviews_completed": (
        "Local child safeguarding practice reviews whose completion date falls in the year."
    ),
    "local_reviews_on_time": _per_settings(
        lambda: (
            f"Of those, the share completed within {settings.LOCAL_REVIEW_MONTHS} months of "
            "the decision to hold them: by the same day of the month that many months on, or "
            "the next working day if that is not one."
        )
    ),
    "reports_published": (
        "Child safeguarding practice reviews whose publication date falls in the year, "
        "whether followed here from the serious incident or logged without it."
    ),
}


def share(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage; None when there is nothing to share."""
    return round(100 * part / whole) if whole else None


def _limits_in_force() -> dict[str, int]:
    return {
        "notification_working_days": settings.NOTIFICATION_WORKING_DAYS,
        "rapid_review_working_days": settings.RAPID_REVIEW_WORKING_DAYS,
        "local_review_months": settings.LOCAL_REVIEW_MONTHS,
    }


@dataclass
class PanelFigures:
    """The National Panel's measures of the year's serious incidents (FIGURE_DEFINITIONS)."""

    notifications: int = 0
    notified_on_time: int = 0
    rapid_reviews: int = 0
    rapid_reviews_on_time: int = 0
    local_review_decisions: int = 0
    panel_responses: int = 0
    panel_agreed: int = 0
    local_reviews_completed: int = 0
    local_reviews_on_time: int = 0
    reports_published: int = 0
    # The limits counted by, for the figures' names: those in force when counted, which
    # a closed year keeps though the settings change.
    limits: dict[str, int] = field(default_factory=_limits_in_force)

    @property
    def notified_on_time_percent(self) -> int | None:
        return share(self.notified_on_time, self.notifications)

    @property
    def rapid_reviews_on_time_percent(self) -> int | None:
        return share(self.rapid_reviews_on_time, self.rapid_reviews)

    @property
    def panel_agreed_percent(self) -> int | None:
        return share(self.panel_agreed, self.panel_responses)

    @property
    def local_reviews_on_time_percent(self) -> int | None:
        return share(self.local_reviews_on_time, self.local_reviews_completed)


@dataclass(frozen=True)
class PublishedReview:
    """A review published in the year, as the figures show it: plain values, which a closed
    year's stored figures keep as they were."""

    title: str
    kind: str  # as shown: "Child safeguarding practice review"
    published_on: datetime.date

    @classmethod
    def of(cls, review: Review) -> "PublishedReview":
        return cls(review.title, str(review.get_kind_display()), review.published_on)

    @property
    def month(self) -> str:
        """ "March 2021". Named once a month: the `date` filter for each of hundreds of
        reviews was a sixth of the page."""
        return _month(self.published_on.year, self.published_on.month, get_language())


@functools.lru_cache(maxsize=1024)
def _month(year: int, month: int, language: str) -> str:
    return date_format(datetime.date(year, month, 1), "F Y")


@dataclass
class AnnualFigures:
    year: FinancialYear
    as_of: datetime.date
    reviews_published: list[PublishedReview] = field(default_factory=list)
    recommendations_made: int = 0
    recommendations_closed: int = 0
    closed_by_year_end: int = 0
    embedded_by_year_end: int = 0
    impact_checks_overdue: int = 0
    actions_completed: int = 0
    completed_on_time: int = 0
    extensions_granted: int = 0
    # How many actions were overdue by each number of days at the year's end (or today):
    # the median reads them so, and a closed year stores a few hundred pairs (405 for 21,878
    # actions overdue, at 300,000 actions), not a number for each action.
    overdue_by_days: dict[int, int] = field(default_factory=dict)
    overdue_by_agency: list[tuple[str, int]] = field(default_factory=list)
    recurring_themes: list[tuple[str, int]] = field(default_factory=list)
    panel: PanelFigures = field(default_factory=PanelFigures)
    learning: LearningTotals | None = None

    # Reviews the page names; the downloads name every one. A partnership publishes a few
    # a year, but a page naming each of a thousand took twice as long as one naming 300.
    NAMED_ON_THE_PAGE = 20

    @property
    def reviews_named(self) -> list[PublishedReview]:
        return self.reviews_published[: self.NAMED_ON_THE_PAGE]

    @property
    def reviews_not_named(self) -> int:
        return max(len(self.reviews_published) - self.NAMED_ON_THE_PAGE, 0)

    @property
    def completed_on_time_percent(self) -> int | None:
        return share(self.completed_on_time, self.actions_completed)

    @property
    def embedded_percent(self) -> int | None:
        return share(self.embedded_by_year_end, self.closed_by_year_end)

    @property
    def overdue_at_year_end(self) -> int:
        return sum(self.overdue_by_days.values())

    @property
    def median_days_overdue(self) -> float | None:
        return _median(self.overdue_by_days)


def _median(counted: dict[int, int]) -> float | None:
    """The median of values each counted n times ({value: n}), without listing them: the
    value at the middle position, or the mean of the two there."""
    total = sum(counted.values())
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})  # positions, from 0
    middle, seen = [], 0
    for value in sorted(counted):
        seen += counted[value]
        while wanted and wanted[0] < seen:
            middle.append(value)
            wanted.pop(0)
        if not wanted:
            break
    return statistics.median(middle)


def annual_figures(
    year: FinancialYear, *, scope, today: datetime.date | None = None
) -> AnnualFigures:
    """The year's figures for the partnerships of `scope` (sscp.scope).

    A closed year of one partnership is read as it was stored when the year closed
    (close_year), as the annual report published then gives it. The history may change
    after: an approval withdrawn, or an action reopened, which reopens its recommendation
    and so takes that closure out of the year it was made in. The stored figures do not
    move with it; `manage.py close_year --recompute` counts the year again from the
    history, reports each figure that differs, and stores the new figures. Any other
    scope, or a year not stored, is counted from the history now.
    """
    today = today or timezone.localdate()
    stored = _stored_figures(year, scope) if year.end < today else None  # closed years only
    if stored is not None:
        return stored
    return count_annual_figures(year, scope=scope, today=today)


def _stored_figures(year: FinancialYear, scope) -> "AnnualFigures | None":
    partnership = scope.current
    if partnership is None or scope.ids != {partnership.pk}:
        return None
    stored = ClosedYear.objects.filter(partnership=partnership, start_year=year.start_year)
    data = stored.values_list("figures", flat=True).first()
    return None if data is None else figures_from_json(data)


def count_annual_figures(
    year: FinancialYear, *, scope, today: datetime.date | None = None
) -> AnnualFigures:
    """The year's figures for the partnerships of `scope`, counted from the history now."""
    today = today or timezone.localdate()
    start, after = year.moments()
    figures = AnnualFigures(year=year, as_of=min(year.end, today))
    in_year = Q(published_on__range=(year.start, year.end))
    # The reviews published in the year and those the Panel's measures read, in one query;
    # their recommendations as each review keeps their count (actions.counts).
    reviews = list(
        scope.filter(Review.objects.filter(in_year | _on_the_panels_measures(year)))
        .annotate(
            published_in_year=ExpressionWrapper(in_year, output_field=BooleanField()),
            measured=ExpressionWrapper(_on_the_panels_measures(year), output_field=BooleanField()),
        )
        .order_by("published_on", "title")
    )
    published_reviews = [review for review in reviews if review.published_in_year]
    figures.reviews_published = [PublishedReview.of(review) for review in published_reviews]
    figures.recommendations_made = sum(r.recommendation_count for r in published_reviews)
    _closures(figures, scope, start, after)
    _completions(figures, scope)
    figures.extensions_granted = (
        scope.filter(
            ExtensionRequest.objects.filter(
                status=ExtensionRequest.Status.GRANTED, decided_at__gte=start, decided_at__lt=after
            )
        )
        .exclude(action__in=_withdrawn_actions(scope))
        .count()
    )
    _overdue_at(figures, scope, figures.as_of)
    figures.recurring_themes = _recurring_themes(scope.filter(Review.objects.filter(in_year)))
    figures.panel = panel_figures(year, scope, [review for review in reviews if review.measured])
    figures.learning = annual_totals(scope, year.start, year.end)
    return figures


def _closures(figures: AnnualFigures, scope, start, after) -> None:
    """Recommendations closed in the year; and past "complete", how many closed by its end
    are embedded, and how many impact checks are overdue then: one query."""
    awaiting = ImpactCheck.objects.filter(recommendation=OuterRef("pk"), outcome="")
    overdue = Q(embedded_at__isnull=True, impact_check_due_on__lt=figures.as_of) & ~Exists(awaiting)
    counts = scope.filter(Recommendation.objects.filter(closed_at__lt=after)).aggregate(
        in_year=Count("pk", filter=Q(closed_at__gte=start)),
        closed=Count("pk"),
        embedded=Count("pk", filter=Q(embedded_at__lt=after)),
        overdue=Count("pk", filter=overdue),
    )
    figures.recommendations_closed = counts["in_year"]
    figures.closed_by_year_end = counts["closed"]
    figures.embedded_by_year_end = counts["embedded"]
    figures.impact_checks_overdue = counts["overdue"]


def _withdrawn_actions(scope):
    """The actions of `scope` withdrawn as logged in error (few, with an index of their own),
    whose records a year's figures leave out: read so, not by joining every record's action."""
    return scope.filter(Action.every.filter(withdrawn_at__isnull=False)).values("pk")


def _completions(figures: AnnualFigures, scope) -> None:
    """Actions approved in the year; each counted once, at its last approval in the year
    (actions.counts.completions)."""
    completed = counts.completions(scope, figures.year)
    figures.actions_completed = completed.total()
    figures.completed_on_time = completed[True]


def _overdue_at(figures: AnnualFigures, scope, day: datetime.date) -> None:
    """Actions open and past due at the end of `day`: today, as the kept counts have them;
    for a day gone by, as their history shows them then."""
    if day >= timezone.localdate():
        by_due_date = counts.open_by_due_date(scope, before=day)
        by_agency = Counter()
        for (_, _, short_name), n in counts.overdue_by_agency(scope, day).items():
            by_agency[short_name] += n
    else:
        by_due_date, by_agency = _open_past_due_in_history(scope, day)
    figures.overdue_by_days = {(day - due_date).days: n for due_date, n in by_due_date.items()}
    figures.overdue_by_agency = sorted(by_agency.items(), key=lambda row: (-row[1], row[0]))


def _open_past_due_in_history(scope, day: datetime.date) -> tuple[Counter, Counter]:
    """How many actions were open and past due at the end of `day`, by due date and by
    agency's short name: the history rows that say so, with no later row for the same
    action by then; counted by agency and due date in the database, a row for each."""
    zone = timezone.get_current_timezone()
    moment = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    history = Action.history.model.objects.filter(scope.q(), history_date__lt=moment)
    later = history.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    withdrawn = Action.every.filter(pk=OuterRef("id"), withdrawn_at__isnull=False)
    counted = (
        history.filter(status__in=Action.OPEN_STATUSES, due_date__lt=day)
        .exclude(history_type="-")
        .filter(~Exists(later), ~Exists(withdrawn))
        .order_by()
        .values_list("agency_id", "due_date")
        .annotate(n=Count("*"))
    )
    by_due_date, by_agency_id = Counter(), Counter()
    for agency_id, due_date, n in counted:
        by_due_date[due_date] += n
        by_agency_id[agency_id] += n
    # Named after counting: joined to the agencies before, the count took half as long again.
    names = dict(Agency.objects.filter(pk__in=by_agency_id).values_list("pk", "short_name"))
    by_agency = Counter()
    for pk, n in by_agency_id.items():
        by_agency[names.get(pk, "?")] += n
    return by_due_date, by_agency


def _recurring_themes(published) -> list[tuple[str, int]]:
    """The themes of more than one of the year's reviews (their own and their
    recommendations', as kept: Review.all_themes), and how many reviews each: one query."""
    counted = (
        published.filter(all_themes__isnull=False)
        .values_list("all_themes__name")
        .annotate(n=Count("pk"))  # a review has one theme of a name: its partnership's
        .filter(n__gte=2)
        .order_by("-n", "all_themes__name")
    )
    return list(counted)


def _on_the_panels_measures(year: FinancialYear) -> Q:
    """The reviews the National Panel's measures of `year` count: those with a date of the
    journey in the year (notification, rapid review sent, decision, local review
    completed), and the practice reviews published in it."""
    span = (year.start, year.end)
    dates = (
        Q(notified_on__range=span)
        | Q(rapid_review_sent_on__range=span)
        | Q(decided_on__range=span)
        | Q(local_review_completed_on__range=span)
    )
    published = Q(kind=Review.Kind.PRACTICE_REVIEW, published_on__range=span)
    return (Q(became_aware_on__isnull=False) & dates) | published


def panel_figures(year: FinancialYear, scope, reviews: list[Review]) -> PanelFigures:
    """The National Panel's measures for `year`, for the partnerships of `scope`, from
    its `reviews` (_on_the_panels_measures, read with the year's other figures): each
    counted once for each measure whose date falls in the year, judged on time by the
    journey's own deadline (reviews.journey.STAGES) in the working days of the review's own
    partnership (their closure days are in `scope`)."""
    days = WorkingDays.of_each({review.partnership_id for review in reviews}, scope.partnerships)
    panel = PanelFigures()
    for review in reviews:
        _count(panel, review, year, days[review.partnership_id])
    return panel


def _by(done_on: datetime.date, due_on: datetime.date | None) -> bool:
    """Done by its deadline (the deadline's own day counts); without one, it cannot be."""
    return due_on is not None and done_on <= due_on


def _count(panel: PanelFigures, review: Review, year: FinancialYear, days: WorkingDays) -> None:
    if review.kind == Review.Kind.PRACTICE_REVIEW and year.holds(review.published_on):
        panel.reports_published += 1
    if not review.follows_journey:
        return
    if year.holds(review.notified_on):
        panel.notifications += 1
        due = BY_KEY["notification"].due(review, days)
        panel.notified_on_time += _by(review.notified_on, due)
    if year.holds(review.rapid_review_sent_on):
        panel.rapid_reviews += 1
        due = BY_KEY["rapid_review"].due(review, days)
        panel.rapid_reviews_on_time += _by(review.rapid_review_sent_on, due)
    if review.decision == Review.Decision.LOCAL_REVIEW and year.holds(review.decided_on):
        panel.local_review_decisions += 1
        panel.panel_responses += bool(review.panel_response)
        panel.panel_agreed += review.panel_response == Review.Response.AGREES
    if year.holds(review.local_review_completed_on):
        panel.local_reviews_completed += 1
        due = BY_KEY["local_review"].due(review, days)
        panel.local_reviews_on_time += _by(review.local_review_completed_on, due)


def years_with_data(scope, today: datetime.date) -> list[FinancialYear]:
    """Every financial year from the earliest review published, or serious incident known
    of, to this one, newest first."""
    firsts = scope.filter(Review.objects.all()).aggregate(
        published=Min("published_on"), aware=Min("became_aware_on")
    )
    current = FinancialYear.containing(today)
    known = [day for day in firsts.values() if day is not None]
    earliest = FinancialYear.containing(min(known)) if known else current
    return [FinancialYear(year) for year in range(current.start_year, earliest.start_year - 1, -1)]


def figure_rows(figures: AnnualFigures) -> list[list]:
    """The year's figures as rows for a spreadsheet (section, figure, value, what it
    counts): every figure the page shows, each number a number, in the page's order."""
    words = FIGURE_DEFINITIONS
    panel, learning, limits = figures.panel, figures.learning, figures.panel.limits
    main = "Reviews, recommendations and actions"
    incidents = "Serious incidents: the National Panel's measures"
    rows = [
        [main, "Reviews published", len(figures.reviews_published), words["reviews_published"]],
        [main, "Recommendations made", figures.recommendations_made, words["recommendations_made"]],
        [main, "Recommendations closed", figures.recommendations_closed,
         words["recommendations_closed"]],
        [main, "Recommendations embedded (%)", figures.embedded_percent, words["embedded"]],
        [main, "Impact checks overdue", figures.impact_checks_overdue,
         words["impact_checks_overdue"]],
        [main, "Actions completed", figures.actions_completed, words["actions_completed"]],
        [main, "Completed by their original due date (%)", figures.completed_on_time_percent,
         words["completed_on_time"]],
        [main, "Extensions granted", figures.extensions_granted, words["extensions_granted"]],
        [main, "Overdue at the end of the year", figures.overdue_at_year_end,
         words["overdue_at_year_end"]],
        [main, "Median days overdue", figures.median_days_overdue, words["median_days_overdue"]],
        [incidents, "Notifications to the National Panel", panel.notifications,
         words["notifications"]],
        [incidents, f"Notifications sent within {limits['notification_working_days']} working "
         "days (%)", panel.notified_on_time_percent, words["notified_on_time"]],
        [incidents, "Rapid reviews sent to the Panel", panel.rapid_reviews, words["rapid_reviews"]],
        [incidents, f"Rapid reviews sent within {limits['rapid_review_working_days']} working "
         "days (%)", panel.rapid_reviews_on_time_percent, words["rapid_reviews_on_time"]],
        [incidents, "Decisions to hold a local review", panel.local_review_decisions,
         words["local_review_decisions"]],
        [incidents, "The Panel agreed (%)", panel.panel_agreed_percent, words["panel_agreed"]],
        [incidents, "Local reviews completed", panel.local_reviews_completed,
         words["local_reviews_completed"]],
        [incidents, f"Local reviews completed within {limits['local_review_months']} months (%)",
         panel.local_reviews_on_time_percent, words["local_reviews_on_time"]],
        [incidents, "Practice review reports published", panel.reports_published,
         words["reports_published"]],
    ]  # fmt: skip
    if learning is not None:
        workforce = "Workforce development: learning activities"
        rows += [[workforce, label, count, words["learning"]] for label, count in learning.by_kind]
        rows += [
            [workforce, "Sessions held", learning.sessions, words["learning"]],
            [workforce, "Places offered", learning.places_offered, words["learning"]],
            [workforce, "Attended", learning.attended, words["learning"]],
            [workforce, "No-shows", learning.no_shows, words["learning"]],
            [workforce, "Average evaluation score (out of 5)", learning.average_score,
             words["learning"]],
        ]  # fmt: skip
    rows += [
        ["Overdue at the end of the year, by agency", agency, count, words["overdue_at_year_end"]]
        for agency, count in figures.overdue_by_agency
    ]
    rows += [
        ["Themes recurring across the year's reviews", theme, count, ""]
        for theme, count in figures.recurring_themes
    ]
    rows += [
        [
            "Reviews published in the year",
            f"{review.title} ({review.kind.lower()})",
            review.month,
            words["reviews_published"],
        ]
        for review in figures.reviews_published
    ]
    return [[section, figure, value, str(counts)] for section, figure, value, counts in rows]


FIGURE_COLUMNS = [
    Column("Section", 40),
    Column("Figure", 50),
    Column("Value", 10),
    Column("What it counts", 80),
]


# Closed years (issue 21, item 4) ---------------------------------------------------------

# The figures that are plain counts, kept as they are.
COUNTS = (
    "recommendations_made", "recommendations_closed", "closed_by_year_end",
    "embedded_by_year_end", "impact_checks_overdue", "actions_completed", "completed_on_time",
    "extensions_granted",
)  # fmt: skip


def figures_to_json(figures: AnnualFigures) -> dict:
    """The figures as JSON values, for ClosedYear.figures; figures_from_json gives them back
    equal, every figure the page and the downloads show."""
    return {
        "year": figures.year.start_year,
        "as_of": figures.as_of.isoformat(),
        "reviews_published": [
            [review.title, review.kind, review.published_on.isoformat()]
            for review in figures.reviews_published
        ],
        **{name: getattr(figures, name) for name in COUNTS},
        "overdue_by_days": sorted([days, n] for days, n in figures.overdue_by_days.items()),
        "overdue_by_agency": [list(row) for row in figures.overdue_by_agency],
        "recurring_themes": [list(row) for row in figures.recurring_themes],
        "panel": dataclasses.asdict(figures.panel),
        "learning": _learning_to_json(figures.learning),
    }


def figures_from_json(data: dict) -> AnnualFigures:
    return AnnualFigures(
        year=FinancialYear(data["year"]),
        as_of=datetime.date.fromisoformat(data["as_of"]),
        reviews_published=[
            PublishedReview(title, kind, datetime.date.fromisoformat(published_on))
            for title, kind, published_on in data["reviews_published"]
        ],
        **{name: data[name] for name in COUNTS},
        overdue_by_days={days: n for days, n in data["overdue_by_days"]},
        overdue_by_agency=[tuple(row) for row in data["overdue_by_agency"]],
        recurring_themes=[tuple(row) for row in data["recurring_themes"]],
        panel=PanelFigures(**data["panel"]),
        learning=_learning_from_json(data["learning"]),
    )


def _learning_to_json(learning: LearningTotals | None) -> dict | None:
    if learning is None:
        return None
    score = learning.average_score
    return {f.name: getattr(learning, f.name) for f in dataclasses.fields(learning)} | {
        "start": learning.start.isoformat(),
        "end": learning.end.isoformat(),
        "by_kind": [[str(label), count] for label, count in learning.by_kind],
        "average_score": None if score is None else str(score),  # a Decimal, exactly
    }


def _learning_from_json(data: dict | None) -> LearningTotals | None:
    if data is None:
        return None
    score = data["average_score"]
    return LearningTotals(
        **data
        | {
            "start": datetime.date.fromisoformat(data["start"]),
            "end": datetime.date.fromisoformat(data["end"]),
            "by_kind": [tuple(row) for row in data["by_kind"]],
            "average_score": None if score is None else Decimal(score),
        }
    )


class YearNotEnded(ValueError):
    """A year's figures are stored only once the year has ended."""


def refuse_open(year: FinancialYear, today: datetime.date) -> None:
    """Raise YearNotEnded for a year not ended by `today`: its figures still change."""
    if year.end >= today:
        raise YearNotEnded(
            f"The financial year {year.label} has not ended: it ends on {year.end:%-d %B %Y}"
        )


@dataclass(frozen=True)
class Difference:
    """A figure of a closed year as stored, and as the history counts it now."""

    figure: str
    stored: object
    now: object

    def __str__(self) -> str:
        return f"{self.figure}: stored {_shown(self.stored)}, now {_shown(self.now)}"


def _shown(value) -> str:
    return "none" if value is None else str(value)


def differences(stored: AnnualFigures, now: AnnualFigures) -> list[Difference]:
    """Each figure of the downloads (figure_rows) whose value differs, in their order; a
    figure only one of them has (an agency with actions overdue, a theme) has none in
    the other."""
    before, after = _values(stored), _values(now)
    names = list(before) + [name for name in after if name not in before]
    return [
        Difference(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]


def _values(figures: AnnualFigures) -> dict[str, object]:
    """Each figure's value by a name for it in words: the figure's own name, or for an
    agency or a theme, its section's and its own."""
    named = {}
    for section, figure, value, _counts in figure_rows(figures):
        if section.startswith(("Overdue at the end of the year, by agency", "Themes")):
            figure = f"{section}: {figure}"
        named[figure[0].lower() + figure[1:]] = value
    return named


def close_year(
    year: FinancialYear, partnership: Partnership, *, today: datetime.date
) -> list[Difference]:
    """Store the partnership's figures of `year`, which has ended, as its ClosedYear, and
    return how they differ from the figures stored before (none, the first time).

    1. Refuse a year not ended by `today` (YearNotEnded): its figures still change.
    2. Count the figures from the history, in the partnership's own scope, as its page does.
    3. Lock the figures stored before, if any, compare, and replace them.
    """
    refuse_open(year, today)
    scope = Scope.of([partnership], current=partnership)
    figures = count_annual_figures(year, scope=scope, today=today)
    with transaction.atomic():
        before = ClosedYear.objects.select_for_update().filter(
            partnership=partnership, start_year=year.start_year
        )
        data = before.values_list("figures", flat=True).first()
        ClosedYear.objects.update_or_create(
            partnership=partnership,
            start_year=year.start_year,
            defaults={"figures": figures_to_json(figures), "closed_at": timezone.now()},
        )
    return [] if data is None else differences(figures_from_json(data), figures)


def last_ended_year(today: datetime.date) -> FinancialYear:
    return FinancialYear(FinancialYear.containing(today).start_year - 1)


@dataclass
class Closing:
    """What close_years did with one partnership's year: "stored" it for the first time,
    "recounted" it (with the differences), "kept" the figures stored, or "failed"."""

    partnership: Partnership
    year: FinancialYear
    outcome: str
    differences: list[Difference] = field(default_factory=list)

    def lines(self) -> list[str]:
        where = f"{self.partnership.slug}: {self.year.label}"
        if self.differences:
            return [f"{where} {difference}" for difference in self.differences]
        return [f"{where} {CLOSING_SAYS[self.outcome]}"]


CLOSING_SAYS = {
    "stored": "figures stored",
    "recounted": "counted again: no differences",
    "kept": "figures stored already, left as they are (--recompute counts them again)",
    "failed": "could not be counted (the log says why); the next run tries again",
}


def close_years(
    *,
    today: datetime.date,
    year: FinancialYear | None = None,
    partnerships=None,
    recompute: bool = False,
) -> list[Closing]:
    """Close `year` (by default the last one ended by `today`) for each of `partnerships`
    (by default every one): the daily task and `manage.py close_year`.

    A year stored already is left as it is, so a daily run stores each year once; with
    `recompute` it is counted again and replaced, and its differences returned. Storing
    every partnership's figures is the service's own work: past the partnerships'
    row-level security. A partnership whose figures fail is logged and left for the next
    run; the others go on.
    """
    year = year or last_ended_year(today)
    refuse_open(year, today)
    with database.every_partnership(f"storing the figures of the closed year {year.label}"):
        if partnerships is None:
            partnerships = Partnership.objects.order_by("slug")
        stored = set(
            ClosedYear.objects.filter(start_year=year.start_year).values_list(
                "partnership_id", flat=True
            )
        )
        return [
            _close(year, partnership, today, recount=partnership.pk in stored, recompute=recompute)
            for partnership in partnerships
        ]


def _close(year, partnership, today, *, recount: bool, recompute: bool) -> Closing:
    if recount and not recompute:
        return Closing(partnership, year, "kept")
    try:
        with transaction.atomic():  # a failure undoes only this partnership's work
            found = close_year(year, partnership, today=today)
    except Exception:
        logger.exception("Could not close %s for %s", year.label, partnership.slug)
        return Closing(partnership, year, "failed")
    return Closing(partnership, year, "recounted" if recount else "stored", found)
