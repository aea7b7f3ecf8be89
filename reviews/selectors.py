import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from actions.models import (
    RAG_COLOURS,
    STATUS_COLOURS,
    Action,
    Evidence,
    Progress,
    ProgressUpdate,
    Rag,
    SignOffDecision,
    progress_rules,
)
from reviews.models import Recommendation, Review
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

    Actions are counted by the same rules as the dashboards' (actions.models.Progress).
    """
    recommendations = Recommendation.objects.all()
    actions = Action.objects.all()
    rules = progress_rules(today)
    return (
        scope.filter(Review.objects.all())
        .prefetch_related("themes")
        .annotate(
            recommendation_count=_count(recommendations, "review"),
            closed_recommendation_count=_count(
                recommendations.filter(closed_at__isnull=False), "review"
            ),
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
    return Recommendation.objects.select_related("review", "closed_by").prefetch_related(
        "themes", "agencies", Prefetch("actions", queryset=_actions_for_display())
    )


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
    """Recommendations with their review, owning agencies and action counts, for the list."""
    actions = Action.objects.all()
    return (
        scope.filter(Recommendation.objects.all())
        .select_related("review")
        .prefetch_related("agencies")
        .annotate(
            action_count=_count(actions, "recommendation"),
            open_action_count=_count(actions.open(), "recommendation"),
        )
        .order_by("review__title", "number")
    )


def ready_to_close(recommendations):
    """Those of `recommendations` open, whose actions are all completed or superseded."""
    actions = Action.objects.filter(recommendation=OuterRef("pk"))
    return recommendations.filter(
        Exists(actions),
        ~Exists(actions.filter(status__in=Action.OPEN_STATUSES)),
        closed_at__isnull=True,
    )


def meeting_pack():
    """Reviews with everything a SILG meeting pack shows, in a fixed number of queries."""
    actions = _actions_for_display().prefetch_related(
        Prefetch("progress_updates", ProgressUpdate.objects.select_related("author")),
        Prefetch("decisions", SignOffDecision.objects.select_related("decided_by")),
        Prefetch("evidence", Evidence.objects.select_related("uploaded_by")),
        "extension_requests",
    )
    recommendations = (
        Recommendation.objects.select_related("closed_by")
        .prefetch_related("themes", "agencies", Prefetch("actions", queryset=actions))
        .order_by("number")
    )
    return Review.objects.prefetch_related(
        "themes", Prefetch("recommendations", queryset=recommendations)
    )
