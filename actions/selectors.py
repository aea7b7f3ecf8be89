import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Count,
    Func,
    Prefetch,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.urls import reverse

from actions import counts
from actions.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Notice,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
    progress_rules,
)
from reviews.models import Review
from sscp.pagination import walked
from sscp.permissions import Ability, get_for_user

# Fetching one record for a view: 404 outside the person's view, 403 where they may
# read but not act (sscp.permissions.get_for_user decides and records the refusal).


def action_for(request, pk, ability: Ability = Ability.READ, queryset=None) -> Action:
    if queryset is None:
        queryset = Action.objects.select_related("recommendation__review", "agency", "owner")
    return get_for_user(request, queryset, pk, ability)


def evidence_for(request, pk, ability: Ability = Ability.SEE_CONFIDENTIAL) -> Evidence:
    """Evidence outside the person's view answers 404: its existence is not theirs to know."""
    queryset = Evidence.objects.select_related("action__agency", "action__recommendation__review")
    return get_for_user(request, queryset, pk, ability, confidential=True)


def extension_for(request, pk, ability: Ability) -> ExtensionRequest:
    queryset = ExtensionRequest.objects.select_related(
        "action__agency", "action__recommendation__review", "requested_by"
    )
    return get_for_user(request, queryset, pk, ability)


def action_page():
    """Actions with what everyone signed in may read on the action page, in one query."""
    return Action.objects.select_related(
        "recommendation__review", "agency", "owner", "completed_by"
    ).prefetch_related(
        Prefetch(
            "extension_requests",
            ExtensionRequest.objects.select_related("requested_by", "decided_by"),
        )
    )


def load_confidential(action: Action) -> None:
    """Load what only those who may see an action's confidential text read (the
    permission module decides who), in a fixed number of queries."""
    prefetch_related_objects(
        [action],
        Prefetch("progress_updates", ProgressUpdate.objects.select_related("author")),
        Prefetch("evidence", Evidence.objects.select_related("uploaded_by", "withdrawn_by")),
        Prefetch("decisions", SignOffDecision.objects.select_related("decided_by")),
        Prefetch(
            "reminders",
            Reminder.objects.filter(status=Reminder.Status.SENT)
            .select_related("recipient")
            .order_by("-reminder_date", "-pk"),
            to_attr="sent_reminders",
        ),
    )


def latest_return(action: Action) -> SignOffDecision | None:
    """The SILG chair's comment the agency must answer, while the action stands returned."""
    if action.returned_at is None:
        return None
    returns = [d for d in action.decisions.all() if d.outcome == SignOffDecision.Outcome.RETURNED]
    return returns[0] if returns else None


def pending_extension(action: Action) -> ExtensionRequest | None:
    """The extension request awaiting a decision, from the prefetched requests."""
    pending = ExtensionRequest.Status.PENDING
    return next((e for e in action.extension_requests.all() if e.status == pending), None)


def extension_counts(action: Action) -> dict[str, int]:
    """How many extension requests were granted, declined and are awaiting a decision."""
    counts = Counter(request.status for request in action.extension_requests.all())
    return {status.value: counts[status] for status in ExtensionRequest.Status}


def status_counts(actions) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status in lifecycle order. `actions` is a queryset,
    counted in one query, actions already read (a review's, say), counted as they are, or
    counts by status already made (actions.counts.status_counts)."""
    if isinstance(actions, Counter):
        totals = actions
    elif isinstance(actions, QuerySet):
        counted = actions.order_by().values("status").annotate(count=Count("*"))
        totals = Counter({row["status"]: row["count"] for row in counted})
    else:
        totals = Counter(action.status for action in actions)
    return [(status.value, status.label, totals[status.value]) for status in Action.Status]


def own_agency_first(actions, agency_id: int | None) -> list[Action]:
    """An agency lead sees their own agency's actions first; order is otherwise kept."""
    if agency_id is None:
        return list(actions)
    return sorted(actions, key=lambda action: action.agency_id != agency_id)


def awaiting_sign_off(scope):
    """Submitted actions, the longest waiting first."""
    return (
        scope.filter(Action.objects.filter(status=Action.Status.SUBMITTED))
        .select_related("recommendation__review", "agency")
        .order_by("submitted_at", "pk")
    )


def awaiting_sign_off_count(scope) -> int:
    """How many actions await sign-off, from the kept counts (actions.counts)."""
    submitted = Action.Status.SUBMITTED
    return counts.status_counts(scope, status=submitted)[submitted]


def awaiting_extension_decision(scope):
    return (
        scope.filter(ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING))
        .select_related("action__recommendation__review", "action__agency", "requested_by")
        .order_by("requested_at", "pk")
    )


def action_list(scope):
    """Actions for lists: each row's review, recommendation, agency and owner in the one query."""
    return (
        scope.filter(Action.objects.all())
        .select_related("recommendation__review", "agency", "owner", "partnership")
        .order_by("due_date", "pk")
    )


# Dashboards -------------------------------------------------------------------


def next_due(scope, agency_id, *, limit=5):
    actions = (
        scope.filter(Action.objects.open())
        .filter(agency_id=agency_id)
        .select_related("recommendation__review", "agency", "owner")
        .order_by("due_date", "pk")
    )
    return walked(actions, 0, limit)


def returned_to(scope, agency_id):
    """The agency's actions the SILG chair has returned, waiting for an answer."""
    return (
        scope.filter(Action.objects.returned())
        .filter(agency_id=agency_id)
        .select_related("recommendation__review", "agency", "owner")
        .order_by("returned_at", "pk")
    )


def due_within(scope, today, days: int):
    return (
        scope.filter(Action.objects.all())
        .filter(
            status__in=Action.OPEN_STATUSES,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("recommendation__review", "agency", "owner")
        .order_by("due_date", "pk")
    )


@dataclass(frozen=True)
class AgencyOverdue:
    pk: int
    name: str
    short_name: str
    overdue: int


def overdue_by_agency(scope, today) -> list[AgencyOverdue]:
    """Agencies with overdue actions in scope, most overdue first: counted from the kept
    counts, not from every overdue action (actions.counts)."""
    agencies = [
        AgencyOverdue(pk, name, short_name, overdue)
        for (pk, name, short_name), overdue in counts.overdue_by_agency(scope, today).items()
    ]
    return sorted(agencies, key=lambda agency: (-agency.overdue, agency.name))


@dataclass(frozen=True)
class ReviewProgress:
    """A review not yet complete, and how far its actions have got (Progress)."""

    pk: int
    title: str
    url: str
    completed: int = 0
    superseded: int = 0
    open: int = 0
    overdue: int = 0

    def get_absolute_url(self) -> str:
        return self.url


def open_review_progress(scope, today, *, first: int) -> tuple[list[ReviewProgress], int]:
    """The `first` open reviews, most overdue first, with their actions completed, in
    progress and overdue; and how many reviews are open.

    The most overdue first: those are the ones a partnership meeting asks about.
    Three queries, whatever the number of reviews: overdue actions by review (kept on
    each review, actions.counts), the open reviews that could be among the `first` as
    plain values, with how many are open (none left out for having no actions yet), and
    every count for the `first` alone.
    """
    overdue = counts.overdue_by_review(scope, today)
    open_reviews = scope.filter(Review.objects.filter(Review.OPEN))
    reviews, how_many = _most_overdue(open_reviews, overdue, first)
    ranked = sorted(reviews, key=lambda review: (-overdue.get(review[0], 0), review[1]))
    shown = {pk: (title, partnership_id) for pk, title, partnership_id in ranked[:first]}
    rules = progress_rules(today)
    progress = {
        review_id: figures
        for review_id, *figures in Action.objects.filter(review__in=shown)
        .order_by()
        .values("review")
        .annotate(**{key: Count("status", filter=rule) for key, rule in rules.items()})
        .values_list("review", *rules)
    }
    return [
        ReviewProgress(pk, title, _review_url(scope, pk, partnership), *progress.get(pk, ()))
        for pk, (title, partnership) in shown.items()
    ], how_many


def _most_overdue(open_reviews, overdue: dict, first: int) -> tuple[list, int]:
    """The open reviews that may be among the `first` most overdue, as (id, title,
    partnership) rows, and how many reviews are open.

    Only a review with at least as many overdue actions as the `first` most overdue has
    can be shown: those are read, ties included, not every open review (thousands in a
    large partnership), with the open reviews counted (from their index) in the same
    query. Every open review is read where fewer than `first` have overdue actions, or
    where one of those is not open after all (its recommendations closed over an action
    left open).
    """
    fields = ("pk", "title", "partnership_id")
    most = sorted(overdue.values(), reverse=True)[first - 1 : first]
    if most:
        candidates = [pk for pk, n in overdue.items() if n >= most[0]]
        how_many = open_reviews.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
        rows = list(
            open_reviews.filter(pk__in=candidates)
            .annotate(how_many=Subquery(how_many))
            .values_list(*fields, "how_many")
        )
        if len(rows) >= first:
            return [row[:3] for row in rows], rows[0][3]
    reviews = list(open_reviews.values_list(*fields))
    return reviews, len(reviews)


def _review_url(scope, pk: int, partnership_id: int) -> str:
    partnership = scope.partnership_for(partnership_id, pk)
    return reverse("review-detail", args=[partnership.slug, pk])


# Decision notices (actions.notices) -------------------------------------------------


def notices_of(request):
    """The decisions told to the signed-in person, newest first, in the partnerships the
    request reaches: only what is theirs, and only while their role reaches it."""
    mine = Notice.objects.filter(recipient=request.user)
    return request.scope.filter(mine).select_related("partnership").order_by("-created_at", "-pk")
