"""
Counts kept, not recounted (docs/architecture.md, "Counts kept").

The figures dashboards show are read from small tables kept in step with the actions
in the transaction that changes one, instead of being counted from every action on
every page:

- `ActionTally`: actions (not withdrawn) by partnership, agency, status, returned or
  not, and the month they are due in. Counts by status are a sum of its rows; counts
  by rating are too, but for the months a rating's boundary falls in today (this
  month, and the month "due soon" ends in), which are counted from the actions.
- `Recommendation.action_count` and `open_action_count`: a recommendation is ready to
  close when it has actions and none of them is open.
- `Review.recommendation_count` and `closed_recommendation_count`: a review is open while
  it has a recommendation to close, or none yet (Review.OPEN).
- `Review.overdue_counted`: its open actions past their due date on the day they
  were counted (`overdue_counted_on`, moved on daily by `count_overdue`); the actions that
  have fallen due since that day are counted from the actions.
- `DueDateTally`: open actions by partnership and due date, from which this year's
  annual figures read how many days each open action is overdue.
- `CompletionTally`: actions approved in a financial year by partnership, on time or not,
  each once a year as its last approval in the year says (SignOffDecision.save; an action
  withdrawn leaves them).
- `ThemeTally`: reviews by partnership, theme and the financial year each counts in, which
  recurring learning reads (kept as themes are set, by reviews.models.keep_themes_of, and
  as a review is published, re-dated or withdrawn, by Review.save).
- `Review.all_themes`: the themes of it and of its recommendations not withdrawn, which
  recurring learning counts it under; kept as themes are set (reviews.models.themes_changed,
  an m2m_changed receiver) and as a recommendation is withdrawn.

`Action.save()` and `Recommendation.save()` move them (reviews.models.CountedElsewhere),
so no way of saving one can leave them behind; an update of many at once in SQL would,
and `manage.py verify_counts`
(`drift`) recounts everything from the records and says what differs, as
`verify_audit_trail` does for the seals. `rebuild` writes them afresh (after a bulk load,
or to repair).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth

from actions.models import (
    Action,
    ActionTally,
    CompletionTally,
    DueDateTally,
    Rag,
    SignOffDecision,
)
from reviews.models import (
    FinancialYear,
    Recommendation,
    Review,
    ThemeTally,
    keep_themes_of,
    themes_by_review,
)

# Reading ---------------------------------------------------------------------


def tallies(scope, **filters):
    """The tallies of the partnerships in `scope`."""
    return ActionTally.objects.filter(partnership_id__in=scope.ids, count__gt=0, **filters)


def _shared_actions(scope):
    """Actions of joint reviews shared with `scope` but kept by a partnership outside it:
    their own partnership's tallies count them, so a scope counts them itself (joint
    reviews are few)."""
    if not scope.shared_reviews:
        return Action.objects.none()
    return Action.objects.filter(review_id__in=sorted(scope.shared_reviews)).exclude(
        partnership_id__in=scope.ids
    )


def status_counts(scope, **filters) -> Counter:
    """How many actions of `scope` (of one agency, say) are in each status."""
    kept = tallies(scope, **filters).values_list("status").annotate(n=Sum("count"))
    shared = _shared_actions(scope).filter(**filters).values_list("status").annotate(n=Count("*"))
    counts = Counter()
    for status, n in kept.order_by().union(shared.order_by(), all=True):  # one query
        counts[status] += n
    return counts


def rag_counts(scope, today: datetime.date, **filters) -> dict[str, int]:
    """How many actions of `scope` have each rating today (Action.rag).

    A month wholly before today's is overdue; one wholly after the month "due soon" ends
    in is on track (or returned). The months between are read from the actions.
    """
    this_month = today.replace(day=1)
    last_month_read = _month_after(
        (today + datetime.timedelta(days=settings.DUE_SOON_DAYS)).replace(day=1)
    )
    counts = dict.fromkeys(Rag.values, 0)
    open_statuses = [status.value for status in Action.OPEN_STATUSES]
    rows = (
        tallies(scope, **filters)
        .exclude(
            Q(status__in=open_statuses, due_month__gte=this_month, due_month__lt=last_month_read)
        )
        .values_list("status", "returned", "due_month")
        .annotate(n=Sum("count"))
    )
    for status, returned, due_month, n in rows:
        counts[_rag_of_month(status, returned, due_month, this_month)] += n
    near = Action.objects.filter(
        partnership_id__in=scope.ids,
        status__in=open_statuses,
        due_date__gte=this_month,
        due_date__lt=last_month_read,
        **filters,
    )
    for actions in (near, _shared_actions(scope).filter(**filters)):
        for row in actions.with_rag(today).order_by().values("rag_value").annotate(n=Count("*")):
            counts[row["rag_value"]] += row["n"]
    return counts


def overdue_by_agency(scope, today: datetime.date) -> Counter:
    """How many open actions of `scope` each agency has past their due date today, keyed
    by the agency's (id, name, short name), in one query: those due in a month wholly
    before today's from the tallies, this month's from the actions."""
    this_month = today.replace(day=1)
    open_statuses = [status.value for status in Action.OPEN_STATUSES]
    agency = ("agency_id", "agency__name", "agency__short_name")
    past_months = (
        tallies(scope, status__in=open_statuses, due_month__lt=this_month)
        .values_list(*agency)
        .annotate(n=Sum("count"))
    )
    this_months = Action.objects.filter(partnership_id__in=scope.ids, due_date__gte=this_month)
    overdue = [
        actions.filter(status__in=open_statuses, due_date__lt=today)
        .order_by()
        .values_list(*agency)
        .annotate(n=Count("*"))
        for actions in (this_months, _shared_actions(scope))
    ]
    counts = Counter()
    for *key, n in past_months.order_by().union(*overdue, all=True):
        counts[tuple(key)] += n
    return counts


def overdue_by_review(scope, today: datetime.date) -> Counter:
    """How many open actions of each review of `scope` are past their due date today, in
    one query: as counted on the review on the day its count was kept from, plus those
    that have fallen due since (none once `count_overdue` has run today), less those that
    fall due after `today` but before that day (a day gone by, asked about)."""
    reviews = scope.filter(Review.objects.all())
    kept = reviews.filter(overdue_counted__gt=0).values_list("pk", "overdue_counted")
    counted_on = F("review__overdue_counted_on")
    first_day = reviews.order_by("overdue_counted_on").values("overdue_counted_on")[:1]
    last_day = reviews.order_by("-overdue_counted_on").values("overdue_counted_on")[:1]
    actions = scope.filter(Action.objects.open()).order_by().values("review")
    since = actions.filter(due_date__gte=Subquery(first_day), due_date__lt=today).filter(
        due_date__gte=counted_on
    )
    ahead = actions.filter(due_date__gte=today, due_date__lt=Subquery(last_day)).filter(
        due_date__lt=counted_on
    )
    counts = Counter()
    for review_id, n in kept.order_by().union(
        since.annotate(n=Count("*")).values_list("review", "n"),
        ahead.annotate(n=-Count("*")).values_list("review", "n"),
        all=True,
    ):
        counts[review_id] += n
    return +counts


def open_by_due_date(scope, before: datetime.date) -> Counter:
    """How many open actions of `scope` are due on each day before `before`, in one query:
    from the kept tallies, and the actions shared with it by joint reviews."""
    kept = (
        DueDateTally.objects.filter(partnership_id__in=scope.ids, count__gt=0, due_date__lt=before)
        .values_list("due_date")
        .annotate(n=Sum("count"))
    )
    shared = (
        _shared_actions(scope)
        .filter(status__in=Action.OPEN_STATUSES, due_date__lt=before)
        .values_list("due_date")
        .annotate(n=Count("*"))
    )
    counts = Counter()
    for due_date, n in kept.order_by().union(shared.order_by(), all=True):
        counts[due_date] += n
    return counts


def completions(scope, year: FinancialYear) -> Counter:
    """How many actions of `scope` were approved in `year`, on time (True) or not (False),
    each once, as its last approval in the year says: from the kept tallies, and the
    approvals of actions shared with it by joint reviews (few, counted here)."""
    kept = CompletionTally.objects.filter(
        partnership_id__in=scope.ids, start_year=year.start_year, count__gt=0
    ).values_list("on_time", "count")
    counts = Counter()
    for on_time, n in kept:
        counts[on_time] += n
    if scope.shared_reviews:
        start, after = year.moments()
        shared = _approvals().filter(
            action__in=_shared_actions(scope).values("pk"),
            decided_at__gte=start,
            decided_at__lt=after,
        )
        for (_, _, on_time), n in _counted_completions(shared).items():
            counts[on_time] += n
    return +counts


def _approvals():
    return SignOffDecision.objects.filter(outcome=SignOffDecision.Outcome.APPROVED)


def count_overdue(today: datetime.date, batch: int = 500) -> int:
    """Count each review's overdue actions as of `today` (daily, by the beat's
    `count-overdue`), so that the day's pages read them from the reviews alone; how many
    reviews were counted.

    Each batch of reviews is locked first, so that an action changed meanwhile has moved
    its review's count (as of the day the row says) before the batch is counted, or
    moves it after, as of `today`.
    """
    pks = list(Review.every.exclude(overdue_counted_on=today).order_by("pk").values_list("pk"))
    overdue = Action.objects.open().filter(review=OuterRef("pk"), due_date__lt=today)
    counted = overdue.order_by().values("review").annotate(n=Count("*")).values("n")
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            reviews = Review.every.filter(pk__in=[pk for (pk,) in pks[start : start + batch]])
            list(reviews.select_for_update().values_list("pk"))
            reviews.update(overdue_counted=Coalesce(Subquery(counted), 0), overdue_counted_on=today)
    return len(pks)


def _month_after(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _rag_of_month(status, returned, due_month, this_month) -> str:
    if status == Action.Status.COMPLETED:
        return Rag.COMPLETE
    if status == Action.Status.SUPERSEDED:
        return Rag.SUPERSEDED
    if due_month < this_month:
        return Rag.OVERDUE
    return Rag.RETURNED if returned else Rag.ON_TRACK


# Checking and rebuilding ------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    what: str  # "tally", or which count of a recommendation or review, or its themes
    at: tuple
    kept: int | list[int]
    counted: int | list[int]

    def __str__(self):
        return f"{self.what} {self.at}: kept {self.kept}, counted from the records {self.counted}"


def _counted_tallies() -> Counter:
    rows = (
        Action.objects.annotate(month=TruncMonth("due_date"))
        .values_list("partnership_id", "agency_id", "status", "month")
        .annotate(returned=Count("pk", filter=Q(returned_at__isnull=False)), n=Count("pk"))
        .order_by()
    )
    counted = Counter()
    for partnership_id, agency_id, status, month, returned, n in rows:
        month = month.date() if isinstance(month, datetime.datetime) else month
        counted[(partnership_id, agency_id, status, True, month)] += returned
        counted[(partnership_id, agency_id, status, False, month)] += n - returned
    return +counted


def _counted_due_dates() -> Counter:
    rows = Action.objects.open().values_list("partnership_id", "due_date").annotate(n=Count("pk"))
    return Counter({(partnership, due_date): n for partnership, due_date, n in rows.order_by()})


def _counted_completions(approvals) -> Counter:
    """Each action of `approvals` counted once a year (CompletionTally), by (partnership,
    year, on time): read in order, each year's last approval of an action is the one kept."""
    rows = approvals.order_by("action_id", "decided_at", "pk").values_list(
        "action_id", "partnership_id", "decided_at", "original_due_date"
    )
    last = {}
    for action_id, partnership_id, decided_at, original_due_date in rows.iterator(chunk_size=5000):
        key = CompletionTally.key_of(partnership_id, decided_at, original_due_date)
        last[action_id, key[1]] = key
    return Counter(last.values())


def _counted_theme_years() -> Counter:
    """Each review (not withdrawn) counted once for each of its themes and its
    recommendations', in the year it counts in (ThemeTally), from the records."""
    themes = themes_by_review(Review.objects.all())
    counted = Counter()
    for pk, partnership_id, *dates in Review.objects.values_list(
        "pk", "partnership_id", "published_on", "commissioned_on", "withdrawn_at"
    ):
        year = ThemeTally.year_of(*dates)
        for theme_id in themes.get(pk, ()) if year is not None else ():
            counted[partnership_id, theme_id, year] += 1
    return counted


def _kept(tally, *at) -> Counter:
    rows = tally.objects.filter(count__gt=0).values_list(*at, "count")
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def _tallies() -> list:
    """Each tally kept: its name in a drift report, its model, the fields that key a row,
    and how the records count it now."""
    return [
        ("tally", ActionTally, ("partnership_id", "agency_id", "status", "returned", "due_month"),
         _counted_tallies),
        ("open actions due", DueDateTally, ("partnership_id", "due_date"), _counted_due_dates),
        ("approvals in a year", CompletionTally, ("partnership_id", "start_year", "on_time"),
         lambda: _counted_completions(_approvals().filter(action__withdrawn_at__isnull=True))),
        ("reviews by theme", ThemeTally, ("partnership_id", "theme_id", "start_year"),
         _counted_theme_years),
    ]  # fmt: skip


def _counted(model, counts: dict) -> dict:
    """Each kept count of `model`'s rows (name: the filter of the rows it counts), as
    counted from those rows now."""
    return {
        name: Coalesce(
            Subquery(
                rows.filter(of=OuterRef("pk"))
                .order_by()
                .values("of")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for name, rows in counts.items()
    }


def _kept_counts() -> dict:
    """What each row's kept counts count: the rows under it not withdrawn, of a kind."""
    actions = Action.objects.annotate(of=F("recommendation"))
    recommendations = Recommendation.objects.annotate(of=F("review"))
    overdue = Action.objects.open().annotate(of=F("review"))
    return {
        Recommendation: {
            "action_count": actions,
            "open_action_count": actions.filter(status__in=Action.OPEN_STATUSES),
        },
        Review: {
            "recommendation_count": recommendations,
            "closed_recommendation_count": recommendations.filter(closed_at__isnull=False),
            "overdue_counted": overdue.filter(due_date__lt=OuterRef("overdue_counted_on")),
        },
    }


def _row_drift(model, counts: dict) -> list[Drift]:
    """Each kept count of `model`'s rows that differs from a count of the records."""
    names = list(counts)
    rows = (
        model.every.annotate(
            **{f"counted_{name}": value for name, value in _counted(model, counts).items()}
        )
        .filter(Q.create([(~Q(**{name: F(f"counted_{name}")})) for name in names], connector=Q.OR))
        .values_list("pk", *names, *(f"counted_{name}" for name in names))
        .order_by("pk")
    )
    what = model._meta.verbose_name
    found = []
    for pk, *values in rows:
        as_kept, as_counted = values[: len(names)], values[len(names) :]
        for name, kept, counted in zip(names, as_kept, as_counted, strict=True):
            if kept != counted:
                found.append(Drift(f"{what} {name.replace('_', ' ')}", (pk,), kept, counted))
    return found


def drift() -> list[Drift]:
    """Every kept count that differs from a count of the records now."""
    found = []
    for what, tally, at, count in _tallies():
        kept, counted = _kept(tally, *at), count()
        found += [
            Drift(what, key, kept[key], counted[key])
            for key in sorted(set(kept) | set(counted), key=str)
            if kept[key] != counted[key]
        ]
    for model, counts in _kept_counts().items():
        found += _row_drift(model, counts)
    return found + _theme_drift()


def _theme_drift() -> list[Drift]:
    """Each review whose kept themes differ from its themes and its recommendations'."""
    counted = themes_by_review(Review.every.all())
    kept = defaultdict(set)
    for review_id, theme_id in Review.all_themes.through.objects.values_list(
        "review_id", "theme_id"
    ):
        kept[review_id].add(theme_id)
    return [
        Drift("review themes", (pk,), sorted(kept[pk]), sorted(counted.get(pk, ())))
        for pk in sorted(set(kept) | set(counted))
        if kept[pk] != counted.get(pk, set())
    ]


@transaction.atomic
def rebuild() -> None:
    """Write every kept count afresh from the records (after a bulk load, or to repair)."""
    Review.all_themes.through.objects.all().delete()
    keep_themes_of(list(Review.every.values_list("pk", flat=True)))
    for _, tally, at, count in _tallies():
        tally.objects.all().delete()
        tally.objects.bulk_create(
            tally(**dict(zip(at, key, strict=True)), count=n) for key, n in count().items()
        )
    for model, counts in _kept_counts().items():
        model.every.update(**_counted(model, counts))
