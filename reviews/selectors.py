import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from actions.models import Action, Evidence, ProgressUpdate, Rag, SignOffDecision
from reviews.models import Recommendation, Review
from sscp.models import Agency


def review_list(*, today: datetime.date):
    """Every review with the counts the list shows, in one query (plus themes)."""
    open_actions = Q(recommendations__actions__status__in=Action.OPEN_STATUSES)
    return Review.objects.prefetch_related("themes").annotate(
        recommendation_count=Count("recommendations", distinct=True),
        closed_recommendation_count=Count(
            "recommendations", filter=Q(recommendations__closed_at__isnull=False), distinct=True
        ),
        action_count=Count("recommendations__actions", distinct=True),
        overdue_action_count=Count(
            "recommendations__actions",
            filter=open_actions & Q(recommendations__actions__due_date__lt=today),
            distinct=True,
        ),
        completed_action_count=Count(
            "recommendations__actions",
            filter=Q(recommendations__actions__status=Action.Status.COMPLETED),
            distinct=True,
        ),
    )


def _actions_for_display():
    return Action.objects.select_related("agency", "owner").order_by("due_date", "pk")


def review_page():
    """Reviews with their recommendations, themes, owning agencies and actions."""
    recommendations = Recommendation.objects.prefetch_related(
        "themes", "agencies", Prefetch("actions", queryset=_actions_for_display())
    ).order_by("number")
    return Review.objects.prefetch_related(
        "themes", Prefetch("recommendations", queryset=recommendations)
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
    if not actions:
        return "No action planned", "govuk-tag--red"
    rags = {action.rag(today) for action in actions}
    statuses = {action.status for action in actions}
    if all(not action.is_open for action in actions):
        return "Complete", "govuk-tag--blue"
    if Rag.OVERDUE in rags:
        return "Overdue", "govuk-tag--red"
    if Rag.RETURNED in rags:
        return "Returned", "govuk-tag--orange"
    if Action.Status.SUBMITTED in statuses:
        return "Awaiting sign-off", "govuk-tag--purple"
    if statuses == {Action.Status.NOT_STARTED}:
        return "Not started", "govuk-tag--grey"
    return "In progress", "govuk-tag--green"


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


def recommendation_list():
    """Recommendations with their review, owning agencies and action counts, for the list."""
    open_actions = Q(actions__status__in=Action.OPEN_STATUSES)
    return (
        Recommendation.objects.select_related("review")
        .prefetch_related("agencies")
        .annotate(
            action_count=Count("actions", distinct=True),
            open_action_count=Count("actions", filter=open_actions, distinct=True),
        )
        .order_by("review__title", "number")
    )


def ready_to_close():
    """Open recommendations whose actions are all completed or superseded."""
    return recommendation_list().filter(
        closed_at__isnull=True, action_count__gt=0, open_action_count=0
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
