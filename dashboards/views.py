import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, F, Func, IntegerField, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from actions import counts
from actions import selectors as action_selectors
from actions.models import Action, Progress, Rag
from actions.selectors import action_for
from audits import selectors
from dashboards.filters import AuditLogFilter
from reviews import journey
from reviews import selectors as review_selectors
from reviews.models import Recommendation, Review
from reviews.selectors import recommendation_for, review_for
from sscp.charts import Bar, BarChart, Series
from sscp.filters import date_query
from sscp.pagination import query_without_page, uncounted_page_of, walked
from sscp.permissions import (
    ALL,
    Ability,
    audit_scope,
    has_ability,
    membership,
    require,
    streamed_in_scope,
    user_memberships,
)
from sscp.spreadsheets import Column, csv_response
from sscp.working_days import WorkingDays

# Dashboards show the first few of each list and link to the whole of it, so a
# national service with thousands of open actions gets the same short page.
SHORTLIST_SIZE = 10
CHART_BARS = 15


@dataclass
class Shortlist:
    """The first few items of a list, and how many there are in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def shortlist(queryset, size=SHORTLIST_SIZE, *, total: int | None = None) -> Shortlist:
    """The first `size` of a list (walked: sscp.pagination) and how long the whole list is,
    in one query: the count a sub-select beside the rows, worked out once; or `total`, when
    the list is counted already (actions.counts)."""
    if total is not None:
        return Shortlist(list(walked(queryset, 0, size)), total)
    # COUNT(*), not of a column: an index without the key (action_open_due) counts alone.
    whole = queryset.order_by().annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
    whole = whole.values("n")
    items = list(walked(queryset, 0, size).annotate(shortlist_total=Subquery(whole)))
    return Shortlist(items, items[0].shortlist_total if items else 0)


def _actions_url(partnership, **filters) -> str:
    return f"{reverse('action-list', args=[partnership.slug])}?{urlencode(filters, doseq=True)}"


# Each rating's bar, patterned as the same thing is on every other chart.
RAG_CHART_STYLES = {
    Rag.COMPLETE: "solid",
    Rag.OVERDUE: "hatched",
    Rag.RETURNED: "dotted",
    Rag.DUE_SOON: "outline",
    Rag.ON_TRACK: "solid",
    Rag.SUPERSEDED: "outline",
}


def _rag_chart(scope, agency, today) -> BarChart:
    ratings = counts.rag_counts(scope, today, agency_id=agency.pk)
    return BarChart(
        key="agency-rag",
        title=f"{agency.short_name}'s actions by rating",
        description=f"How many of {agency.name}'s actions have each rating today.",
        series=[Series("count", "Actions", "solid")],
        bars=[
            Bar(
                rag.label,
                {"count": ratings[rag]},
                _actions_url(scope.current, agency=agency.pk, rag=rag.value),
                style=RAG_CHART_STYLES[rag],
            )
            for rag in Rag
        ],
    )


def _review_progress_chart(reviews) -> BarChart:
    return BarChart(
        key="review-progress",
        title="Progress of open reviews, most overdue first",
        description=(
            "For each review not yet complete: its actions completed, superseded, open and not "
            "overdue, and overdue."
        ),
        series=[
            Series(Progress.COMPLETED, Progress.COMPLETED.label, "solid"),
            Series(Progress.SUPERSEDED, Progress.SUPERSEDED.label, "outline"),
            Series(Progress.OPEN, Progress.OPEN.label, "dotted"),
            Series(Progress.OVERDUE, Progress.OVERDUE.label, "hatched"),
        ],
        bars=[
            Bar(
                review.title,
                {key: getattr(review, key) for key in Progress.values},
                review.get_absolute_url(),
            )
            for review in reviews
        ],
    )


def _overdue_by_agency_chart(partnership, agencies) -> BarChart:
    return BarChart(
        key="overdue-by-agency",
        title="Overdue actions by agency, most first",
        description="How many open actions each agency has past their due date.",
        series=[Series("overdue", "Overdue", "hatched")],
        bars=[
            Bar(
                agency.short_name,
                {"overdue": agency.overdue},
                _actions_url(partnership, agency=agency.pk, overdue="true"),
            )
            for agency in agencies
        ],
    )


def start(request):
    """The service's front page: the one partnership a person belongs to, or a choice of
    them (and, for an agency lead, their agency's actions across all of them)."""
    memberships = user_memberships(request.user)
    if len(memberships) == 1:
        return redirect("home", memberships[0].partnership.slug)
    leads = [member for member in memberships if member.role == member.Role.AGENCY_LEAD]
    return render(
        request,
        "dashboards/start.html",
        {"memberships": memberships, "all_partnerships": ALL, "leads_anywhere": bool(leads)},
    )


def home(request):
    """Each person's dashboard in a partnership: the sections for their role there, then
    counts for everyone."""
    user, scope = request.user, request.scope
    today = timezone.localdate()
    by_status = counts.status_counts(scope)
    context = {
        "status_counts": action_selectors.status_counts(by_status),
        "today": today,
        # What changed since the person last looked: the decisions they have not read.
        "since": _since(request),
    }
    member = membership(user)
    if member.role == member.Role.AGENCY_LEAD:
        context["lead"] = _lead_section(scope, member.agency, today)
    if has_ability(user, Ability.OVERSEE):
        in_progress = reviews_in_progress(scope, today)
        context["in_progress"] = Shortlist(in_progress[:SHORTLIST_SIZE], len(in_progress))
    if has_ability(user, Ability.DECIDE):
        context["chair"] = _chair_section(scope, submitted=by_status[Action.Status.SUBMITTED])
    if has_ability(user, Ability.PLAN):
        context["partnership_team"] = _partnership_section(scope, today)
    return render(request, "dashboards/home.html", context)


def _since(request) -> list:
    """The first few notices the person has not read: asked only when they have some."""
    if not getattr(request.user, "unread_notices", 0):
        return []
    return list(action_selectors.notices_of(request).filter(read_at__isnull=True)[:5])


def _lead_section(scope, agency, today) -> dict:
    return {
        "agency": agency,
        "rag_chart": _rag_chart(scope, agency, today),
        "next_due": action_selectors.next_due(scope, agency.pk),
        "returned": shortlist(action_selectors.returned_to(scope, agency.pk)),
        "returned_url": _actions_url(scope.current, agency=agency.pk, returned="true"),
    }


def _chair_section(scope, *, submitted: int) -> dict:
    ready, impact = _recommendations_for_decision(scope)
    return {
        "awaiting": shortlist(action_selectors.awaiting_sign_off(scope), total=submitted),
        "extensions": action_selectors.awaiting_extension_decision(scope).count(),
        "ready_to_close": ready,
        "impact_to_confirm": impact,
    }


def _recommendations_for_decision(scope) -> tuple[Shortlist, Shortlist]:
    """The recommendations ready to close, and those whose impact check awaits the SILG
    chair: the first few of each and how many, in one query (each row numbered and counted
    within its list, the database working out both lists in the one pass they need)."""
    list_of = F("impact_awaiting_decision")
    rows = list(
        review_selectors.recommendation_list(scope)
        .filter(pk__in=review_selectors.awaiting_the_chair(scope))  # two short lists' ids
        .annotate(
            position=Window(
                RowNumber(), partition_by=[list_of], order_by=["review__title", "number"]
            ),
            in_list=Window(Count("pk"), partition_by=[list_of]),
        )
        .filter(position__lte=SHORTLIST_SIZE)
    )
    lists = []
    for awaiting in (False, True):
        items = [r for r in rows if r.impact_awaiting_decision == awaiting]
        lists.append(Shortlist(items, items[0].in_list if items else 0))
    return lists[0], lists[1]


def _partnership_section(scope, today) -> dict:
    reviews, open_reviews = action_selectors.open_review_progress(scope, today, first=CHART_BARS)
    agencies = action_selectors.overdue_by_agency(scope, today)
    window = settings.DUE_SOON_DAYS
    partnership = scope.current
    return {
        "review_chart": _review_progress_chart(reviews),
        "open_reviews": open_reviews,
        "overdue_chart": _overdue_by_agency_chart(partnership, agencies[:CHART_BARS]),
        "agencies_overdue": len(agencies),
        "overdue_url": _actions_url(partnership, overdue="true"),
        "due_soon": shortlist(action_selectors.due_within(scope, today, window)),
        "due_soon_days": window,
        "nothing_due": f"Nothing is due in the next {window} days.",
        "due_soon_url": _actions_url(
            partnership,
            status=Action.OPEN_STATUSES,
            **date_query("due_after", today),
            **date_query("due_before", today + datetime.timedelta(days=window)),
        ),
    }


# Reviews in progress: serious incidents on their statutory journey ----------------

# What the journey reads of a review (reviews.journey), and what a row shows of it.
JOURNEY_FIELDS = (
    "partnership", "title", "decision", "panel_response", "became_aware_on", *journey.ORDER,
)  # fmt: skip
SETTLED = {journey.Standing.DONE, journey.Standing.NOT_NEEDED}
# A serious incident's journey is finished when its report is published, or when the
# partnership decided not to hold a local review and the National Panel's response to that
# is recorded, whether it agreed or not: nothing of the journey is left for the partnership
# to do then (the Panel may commission a review of its own). A decision changed later, to
# hold a local review after all, puts the review back in progress.
FINISHED = Q(published_on__isnull=False) | Q(
    decision=Review.Decision.NO_LOCAL_REVIEW, panel_response__in=Review.Response.values
)


@dataclass(frozen=True)
class ReviewInProgress:
    """A serious incident's review not yet finished, as it stands today."""

    review: Review
    stage: str  # what it is at: the first stage not done
    deadline: journey.StageState | None  # its next deadline, if it has one
    today: datetime.date

    @property
    def is_late(self) -> bool:
        """Past its deadline, even when only a weekend or a bank holiday has passed."""
        return self.deadline is not None and self.deadline.due_on < self.today

    @property
    def time_left(self) -> str:
        """Working days left or overdue, in words."""
        left = self.deadline.working_days_left
        if left < 0:
            return f"{-left} working day{pluralize(-left)} overdue"
        if self.is_late:  # only days off since the deadline
            return "Overdue"
        if left == 0:
            return "Due today"
        return f"{left} working day{pluralize(left)} left"

    def sort_key(self):
        """Late ones first, then soonest due; those waiting on no deadline of ours last."""
        if self.deadline is None:
            return (1, datetime.date.max, self.review.title)
        return (0, self.deadline.due_on, self.review.title)


def reviews_in_progress(scope, today: datetime.date) -> list[ReviewInProgress]:
    """Every serious incident's review of `scope` whose journey is not FINISHED, late ones
    first, then soonest due: one query however many there are (two when a review shared
    with the scope is of a partnership outside it, for its closure days)."""
    reviews = list(
        scope.filter(Review.objects.filter(became_aware_on__isnull=False))
        .exclude(FINISHED)
        .only(*JOURNEY_FIELDS)
        .order_by()
    )
    days = WorkingDays.of_each({review.partnership_id for review in reviews}, scope.partnerships)
    rows = [_in_progress(review, days[review.partnership_id], today) for review in reviews]
    return sorted(rows, key=ReviewInProgress.sort_key)


def _in_progress(review, days, today) -> ReviewInProgress:
    states = journey.journey(review, days, today)
    current = next((state for state in states if state.standing not in SETTLED), None)
    # Decided against a local review, every stage is done: the Panel's response is awaited.
    stage = current.stage.label if current else "Awaiting the National Panel's response"
    return ReviewInProgress(review, stage, journey.next_deadline(states), today)


@require_GET
def reviews_in_progress_page(request):
    """Every serious incident's review not yet finished: Home shows the first few."""
    require(request, Ability.OVERSEE)
    rows = reviews_in_progress(request.scope, timezone.localdate())
    return render(request, "dashboards/reviews_in_progress.html", {"in_progress": rows})


@login_not_required
def accessibility(request):
    return render(request, "dashboards/accessibility.html")


# The record: the audit log and timelines ------------------------------------

CSV_COLUMNS = [
    Column(header)
    for header in [
        "Record", "When", "Who", "Kind of record", "Change", "What", "Changes", "Reason",
        "Agency", "Review", "Seal",
    ]
]  # fmt: skip


def _audit_log_filter(request) -> AuditLogFilter:
    records = selectors.visible_records(audit_scope(request.user, request.scope))
    return AuditLogFilter(request.GET, queryset=records, scope=request.scope)


@require_GET
def audit_log(request):
    log = _audit_log_filter(request)
    records = log.qs if log.is_valid() else log.queryset.none()
    page = uncounted_page_of(request, records)
    return render(
        request,
        "dashboards/audit_log.html",
        {
            "filter": log,
            "form": log.form,
            "page": page,
            "query": query_without_page(request.GET).urlencode(),
        },
    )


def _csv_row(record) -> list:
    changes = "; ".join(f"{label}: {before} → {after}" for label, before, after in record.changes)
    return [
        record.seq,
        timezone.localtime(record.at).isoformat(timespec="seconds"),
        str(record.user or ("Not signed in" if record.record_type == "request" else "System")),
        record.get_record_type_display(),
        record.get_change_display(),
        record.description,
        changes,
        record.reason,
        str(record.agency or ""),
        str(record.review or ""),
        record.seal,
    ]


@require_GET
def audit_log_csv(request):
    """The filtered log as CSV, streamed a chunk at a time so a large log never sits in memory."""
    log = _audit_log_filter(request)
    records = log.qs if log.is_valid() else log.queryset.none()
    rows = streamed_in_scope(request, map(_csv_row, records.iterator(chunk_size=2000)))
    return csv_response(f"audit-log-{timezone.localdate():%Y-%m-%d}.csv", CSV_COLUMNS, rows)


def _timeline_page(request, obj, records, *, title, back_url, log_url=""):
    return render(
        request,
        "dashboards/timeline.html",
        {
            "object": obj,
            "records": records,
            "title": title,
            "back_url": back_url,
            "log_url": log_url,
        },
    )


@require_GET
def review_timeline(request, pk):
    review = review_for(request, pk, queryset=Review.every.all())  # withdrawn: still on record
    records = selectors.timeline(audit_scope(request.user, request.scope), review=review)
    return _timeline_page(
        request,
        review,
        records,
        title=f"Timeline of {review.title}",
        back_url=review.get_absolute_url(),
        log_url=f"{reverse('audit-log', args=[request.partnership.slug])}?review={review.pk}",
    )


@require_GET
def recommendation_timeline(request, pk):
    recommendation = recommendation_for(request, pk, queryset=Recommendation.every.all())
    records = selectors.timeline(
        audit_scope(request.user, request.scope), recommendation=recommendation
    )
    return _timeline_page(
        request,
        recommendation,
        records,
        title=f"Timeline of {recommendation}",
        back_url=recommendation.get_absolute_url(),
    )


@require_GET
def action_timeline(request, pk):
    action = action_for(request, pk, queryset=Action.every.all())
    records = selectors.timeline(audit_scope(request.user, request.scope), action=action)
    return _timeline_page(
        request,
        action,
        records,
        title=f"Timeline of “{action.title}”",
        back_url=action.get_absolute_url(),
    )
