import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from actions.models import (
    RAG_COLOURS,
    STATUS_COLOURS,
    Action,
    Evidence,
    Progress,
    Rag,
    SignOffDecision,
    progress_rules,
)
from learning.models import LearningActivity
from reviews.models import (
    ImpactCheck,
    ImpactEvidence,
    Recommendation,
    Review,
    Theme,
    ThemeTally,
)
from sscp.models import Agency
from sscp.permissions import Ability, get_for_user


def review_for(request, pk, ability: Ability = Ability.READ, queryset=None) -> Review:
    """The review for a view: 404 if there is none, 403 if the person may not do this."""
    return get_for_user(
        request, Review.objects.all() if queryset is None else queryset, pk, ability
    )


def recommendation_for(
    request, pk, ability: Ability = Ability.READ, queryset=None
) -> Recommendation:
    if queryset is None:
        queryset = Recommendation.objects.select_related("review")
    return get_for_user(request, queryset, pk, ability)


def _count(queryset, outer_field: str):
    """How many rows of `queryset` belong to the outer row: a subquery, so that only
    the rows of the page shown are counted."""
    counted = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


def review_list(scope, *, today: datetime.date):
    """Reviews with the counts the list shows, in one query (plus themes).

    Their recommendations are counted on the row (Review.recommendation_count); actions
    are counted by the same rules as the dashboards' (actions.models.Progress).
    """
    actions = Action.objects.all()
    rules = progress_rules(today)
    return (
        scope.filter(Review.objects.all())
        .prefetch_related("themes")
        .annotate(
            action_count=_count(actions, "review"),
            overdue_action_count=_count(actions.filter(rules[Progress.OVERDUE]), "review"),
            completed_action_count=_count(actions.filter(rules[Progress.COMPLETED]), "review"),
        )
    )


def _actions_for_display():
    return Action.objects.select_related("agency", "owner").order_by("due_date", "pk")


def review_page():
    """Reviews with their recommendations, themes, owning agencies and actions."""
    recommendations = Recommendation.objects.prefetch_related(
        "themes", "agencies", Prefetch("actions", queryset=_actions_for_display())
    ).order_by("number")
    return Review.objects.select_related("partnership").prefetch_related(
        "themes", "joint_partnerships", Prefetch("recommendations", queryset=recommendations)
    )


def recommendation_page():
    """A recommendation with all its page shows. Its impact checks and the later learning
    that repeats it are read by the page only where there are some (`impact_checks_of`,
    `is_repeated`): most recommendations have neither."""
    later = Recommendation.objects.filter(repeats=OuterRef("pk"))
    return (
        with_impact_awaiting(Recommendation.objects.all())
        .annotate(is_repeated=Exists(later))
        .select_related("review", "closed_by", "embedded_by", "repeats__review")
        .prefetch_related(
            "themes",
            "agencies",
            Prefetch("learning_activities", LearningActivity.objects.order_by("-held_on", "-pk")),
            Prefetch("actions", queryset=_actions_for_display()),
        )
    )


def impact_checks_of(recommendation: Recommendation) -> list[ImpactCheck]:
    """Its impact checks, oldest first, if it has been closed (none before)."""
    if not (recommendation.is_closed or recommendation.impact_check_due_on):
        return []
    return list(
        recommendation.impact_checks.select_related("recorded_by", "decided_by")
        .prefetch_related("learning_activities", "files")
        .order_by("pk")
    )


def repeated_by(recommendation: Recommendation) -> list[Recommendation]:
    """The later recommendations marked as repeating its learning."""
    if not getattr(recommendation, "is_repeated", True):
        return []
    return list(recommendation.repeated_by.select_related("review").order_by("pk"))


def impact_awaiting_decision(recommendation: Recommendation) -> ImpactCheck | None:
    """The impact check of `recommendation` awaiting the SILG chair, if any."""
    return (
        recommendation.impact_checks.filter(outcome="")
        .select_related("recorded_by")
        .prefetch_related("learning_activities", "files")
        .first()
    )


def impact_evidence_for(request, pk) -> ImpactEvidence:
    """An impact check's file, for the partnership team and the SILG chair: outside the
    person's view it answers 404, its existence not theirs to know."""
    return get_for_user(
        request, ImpactEvidence.objects.all(), pk, Ability.SEE_CONFIDENTIAL, confidential=True
    )


def with_impact_awaiting(recommendations):
    """Annotate whether an impact check awaits the SILG chair (Recommendation.assurance)."""
    awaiting = ImpactCheck.objects.filter(recommendation=OuterRef("pk"), outcome="")
    return recommendations.annotate(impact_awaiting_decision=Exists(awaiting))


@dataclass
class AgencyProgress:
    """Where one owning agency stands on a recommendation, rolled up from its actions."""

    agency: Agency
    actions: list[Action]
    label: str
    tag_class: str

    @property
    def closed_count(self) -> int:
        return sum(1 for action in self.actions if not action.is_open)


def _roll_up(actions: list[Action], today: datetime.date) -> tuple[str, str]:
    """An agency's standing on a recommendation, in words and the colour that its
    nearest rating or status has everywhere else."""
    if not actions:
        return "No action planned", f"govuk-tag--{RAG_COLOURS[Rag.OVERDUE]}"
    rags = {action.rag(today) for action in actions}
    statuses = {action.status for action in actions}
    if all(not action.is_open for action in actions):
        label, colour = "Complete", RAG_COLOURS[Rag.COMPLETE]
    elif Rag.OVERDUE in rags:
        label, colour = "Overdue", RAG_COLOURS[Rag.OVERDUE]
    elif Rag.RETURNED in rags:
        label, colour = "Returned", RAG_COLOURS[Rag.RETURNED]
    elif Action.Status.SUBMITTED in statuses:
        label, colour = "Awaiting sign-off", STATUS_COLOURS[Action.Status.SUBMITTED]
    elif statuses == {Action.Status.NOT_STARTED}:
        label, colour = "Not started", STATUS_COLOURS[Action.Status.NOT_STARTED]
    else:
        label, colour = "In progress", RAG_COLOURS[Rag.ON_TRACK]
    return label, f"govuk-tag--{colour}"


def agency_progress(
    recommendation: Recommendation, *, today: datetime.date
) -> list[AgencyProgress]:
    """Each owning agency's status on the recommendation; uses the prefetched actions."""
    actions = list(recommendation.actions.all())
    progress = []
    for agency in recommendation.agencies.all():
        own = [action for action in actions if action.agency_id == agency.pk]
        label, tag_class = _roll_up(own, today)
        progress.append(AgencyProgress(agency, own, label, tag_class))
    return progress


def recommendation_list(scope):
    """Recommendations with their review and owning agencies, for the list (their action
    counts are kept on the row: actions.counts)."""
    return (
        with_impact_awaiting(scope.filter(Recommendation.objects.all()))
        .select_related("review")
        .prefetch_related("agencies")
        .order_by("review__title", "number")
    )


def ready_to_close(recommendations):
    """Those of `recommendations` open, whose actions are all completed or superseded."""
    return recommendations.filter(is_ready_to_close())


def is_ready_to_close() -> Q:
    """Open, with actions, none of them open: from the counts kept on the row (actions.counts),
    which a partial index of the few ready serves."""
    return Q(action_count__gt=0, open_action_count=0, closed_at__isnull=True)


def theme_names(scope) -> list[str]:
    """The themes a list of `scope` can be filtered by, by name: each partnership has its own
    themes, and a person working across partnerships means the same by the same word (a
    lead in 420 partnerships was offered "Neglect" 420 times, 4,200 options in all)."""
    themes = Theme.objects.filter(partnership__in=scope.ids).order_by("name")
    return list(themes.values_list("name", flat=True).distinct())


def with_theme(name: str, *, recommendation: str, review: str) -> Q:
    """Records whose recommendation or review has the theme called `name` (in each
    partnership, its own theme of that name); `recommendation` and `review` are the paths
    to them from the record. Exists rather than joins: no duplicate rows, so no DISTINCT."""
    themes = Theme.objects.filter(name=name)
    return Exists(
        Recommendation.themes.through.objects.filter(
            recommendation=OuterRef(recommendation), theme__in=themes
        )
    ) | Exists(Review.themes.through.objects.filter(review=OuterRef(review), theme__in=themes))


def awaiting_the_chair(scope) -> set[int]:
    """The ids of `scope`'s recommendations awaiting the SILG chair: ready to close, or with
    an impact check awaiting a decision. Read apart, each side from its own index, and few:
    as an OR in the query that lists them, the two read every recommendation of the
    partnership (35 ms at 60,000), and as a sub-select the planner cannot tell they are few."""
    ready = scope.filter(Recommendation.objects.filter(is_ready_to_close())).values_list("pk")
    impact = scope.filter(ImpactCheck.objects.filter(outcome="")).values_list("recommendation")
    return {pk for (pk,) in ready.order_by().union(impact.order_by())}


def meeting_pack():
    """Reviews with everything a SILG meeting pack shows, in a fixed number of queries."""
    actions = (
        _actions_for_display()
        .with_latest_progress()
        .prefetch_related(
            Prefetch("decisions", SignOffDecision.objects.select_related("decided_by")),
            Prefetch("evidence", Evidence.objects.select_related("uploaded_by")),
        )
    )
    recommendations = (
        with_impact_awaiting(Recommendation.objects.all())
        .select_related("closed_by", "embedded_by")
        .prefetch_related("agencies", Prefetch("actions", queryset=actions))
        .order_by("number")
    )
    return Review.objects.prefetch_related(
        "themes", Prefetch("recommendations", queryset=recommendations)
    )


# Recurring learning ----------------------------------------------------------------


def repeated_learning(scope):
    """Recommendations marked as repeating earlier learning, newest review first, each with
    its review and the earlier recommendation and its review: one query."""
    return (
        scope.filter(Recommendation.objects.filter(repeats__isnull=False))
        .select_related("review", "repeats__review")
        .order_by("-created_at", "pk")
    )


@dataclass
class RecurringTheme:
    """A theme found in reviews of more than one year: how many reviews in each."""

    name: str
    reviews_by_year: dict[int, int]  # financial year's first year → reviews

    @property
    def years(self) -> int:
        return len(self.reviews_by_year)


def recurring_themes(scope) -> tuple[list[RecurringTheme], list[int]]:
    """Themes that come back year on year: each theme of the scope's reviews (their own and
    their recommendations'), counted in the financial year of each review's publication
    (or commissioning, before it is published), those of two years or more, most years
    first; and the years. Read from the kept counts (ThemeTally: a row a theme a year,
    where grouping every review's themes grew with the reviews) with the themes' names, and
    the reviews shared with the scope by joint reviews counted from their themes."""
    by_name = defaultdict(Counter)
    kept = ThemeTally.objects.filter(partnership_id__in=scope.ids, count__gt=0)
    for name, year, n in kept.values_list("theme__name", "start_year", "count"):
        by_name[name][year] += n  # themes of two partnerships by one name count as one
    if scope.shared_reviews:
        shared = Review.objects.filter(pk__in=sorted(scope.shared_reviews)).exclude(
            partnership_id__in=scope.ids
        )
        dates = ("published_on", "commissioned_on", "withdrawn_at")
        for name, *review_dates in shared.values_list("all_themes__name", *dates):
            year = ThemeTally.year_of(*review_dates)
            if name is not None and year is not None:
                by_name[name][year] += 1
    themes = [
        RecurringTheme(name, dict(sorted(by_year.items())))
        for name, by_year in by_name.items()
        if len(by_year) > 1
    ]
    themes.sort(key=lambda theme: (-theme.years, theme.name))
    years = sorted({year for theme in themes for year in theme.reviews_by_year})
    return themes, years


@dataclass(frozen=True)
class WithdrawnRecord:
    kind: str
    record: Review | Recommendation | Action


def withdrawn(scope, *, first: int) -> tuple[list[WithdrawnRecord], bool]:
    """The reviews, recommendations and actions of `scope` withdrawn as logged in error,
    newest first (at most `first` of each kind, and whether there were more): one query a
    kind. Those withdrawn with
    their review or recommendation are listed under it, not again on their own."""
    kinds = [
        (Review, Review.every, []),
        (Recommendation, Recommendation.every.select_related("review"), ["review__withdrawn_at"]),
        (
            Action,
            Action.every.select_related("recommendation__review", "agency"),
            ["recommendation__withdrawn_at"],
        ),
    ]
    found, cut = [], False
    for model, rows, alone in kinds:
        rows = scope.filter(rows.select_related("withdrawn_by")).filter(withdrawn_at__isnull=False)
        if alone:
            rows = rows.filter(**{f"{path}__isnull": True for path in alone})
        kind = model._meta.verbose_name
        latest = list(rows.order_by("-withdrawn_at", "-pk")[: first + 1])
        cut |= len(latest) > first
        found += [WithdrawnRecord(kind, row) for row in latest[:first]]
    return sorted(found, key=lambda row: row.record.withdrawn_at, reverse=True), cut
