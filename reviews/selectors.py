import datetime

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from actions.models import Action
from reviews.models import Recommendation, Review


def review_list(*, today: datetime.date):
    """Every review with the counts the list shows, in one query (plus themes)."""
    open_actions = Q(recommendations__actions__status__in=Action.OPEN_STATUSES)
    return Review.objects.prefetch_related("themes").annotate(
        recommendation_count=Count("recommendations", distinct=True),
        closed_recommendation_count=Count(
            "recommendations", filter=Q(recommendations__closed_at__isnull=False), distinct=True
        ),
        action_count=Count("recommendations__actions", distinct=True),
        open_action_count=Count("recommendations__actions", filter=open_actions, distinct=True),
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


def actions_for_display():
    return Action.objects.select_related("agency", "owner").order_by("due_date", "pk")


def review_detail(pk: int) -> Review:
    """A review with its recommendations, their themes, owning agencies and actions."""
    recommendations = Recommendation.objects.prefetch_related(
        "themes", "agencies", Prefetch("actions", queryset=actions_for_display())
    ).order_by("number")
    return get_object_or_404(
        Review.objects.prefetch_related(
            "themes", Prefetch("recommendations", queryset=recommendations)
        ),
        pk=pk,
    )


def recommendation_detail(pk: int) -> Recommendation:
    return get_object_or_404(
        Recommendation.objects.select_related("review", "closed_by").prefetch_related(
            "themes", "agencies", Prefetch("actions", queryset=actions_for_display())
        ),
        pk=pk,
    )
