"""Every change to reviews and recommendations, each with who and why on the record."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.models import Action
from audits.history import save_tracked
from reviews.models import Recommendation, Review, Theme
from sscp.models import Agency, User


@transaction.atomic
def review_save(
    *,
    actor: User,
    review: Review | None = None,
    title: str,
    kind: str,
    summary: str = "",
    commissioned_on: datetime.date | None = None,
    published_on: datetime.date | None = None,
    themes: list[Theme] = (),
) -> Review:
    """Log a new review (`review=None`) or edit an existing one."""
    creating = review is None
    review = review or Review()
    title = title.strip()
    if Review.objects.filter(title__iexact=title).exclude(pk=review.pk).exists():
        raise ValidationError(f"A review called “{title}” already exists.", code="duplicate")
    if commissioned_on and published_on and published_on < commissioned_on:
        raise ValidationError("The publication date must be on or after the commissioning date.")
    review.title = title
    review.kind = kind
    review.summary = summary.strip()
    review.commissioned_on = commissioned_on
    review.published_on = published_on
    return save_tracked(
        review,
        actor=actor,
        reason="Review logged" if creating else "Review details edited",
        m2m={"themes": list(themes)},
    )


@transaction.atomic
def recommendation_save(
    *,
    actor: User,
    review: Review,
    recommendation: Recommendation | None = None,
    number: int,
    text: str,
    themes: list[Theme] = (),
    agencies: list[Agency] = (),
) -> Recommendation:
    """Log a new recommendation (`recommendation=None`) or edit one that is open."""
    creating = recommendation is None
    recommendation = recommendation or Recommendation(review=review)
    if recommendation.is_closed:
        raise ValidationError("A closed recommendation cannot be edited.", code="closed")
    duplicate = Recommendation.objects.filter(review=review, number=number).exclude(
        pk=recommendation.pk
    )
    if duplicate.exists():
        raise ValidationError(
            f"{review} already has a recommendation {number}.", code="duplicate_number"
        )
    if not creating:
        planned = set(recommendation.actions.values_list("agency_id", flat=True))
        dropped = planned - {agency.pk for agency in agencies}
        if dropped:
            names = ", ".join(str(a) for a in Agency.objects.filter(pk__in=dropped))
            raise ValidationError(
                f"{names} already {'has' if len(dropped) == 1 else 'have'} actions for this "
                "recommendation, so must stay an owning agency.",
                code="agency_has_actions",
            )
    recommendation.number = number
    recommendation.text = text.strip()
    return save_tracked(
        recommendation,
        actor=actor,
        reason="Recommendation logged" if creating else "Recommendation edited",
        m2m={"themes": list(themes), "agencies": list(agencies)},
    )


@transaction.atomic
def recommendation_close(
    *, actor: User, recommendation: Recommendation, impact_statement: str
) -> Recommendation:
    """The SILG chair closes a recommendation whose actions are all completed or superseded."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_closed:
        raise ValidationError("This recommendation is already closed.", code="closed")
    statuses = set(
        Action.objects.select_for_update()
        .filter(recommendation=recommendation)
        .values_list("status", flat=True)
    )
    if not statuses:
        raise ValidationError(
            "A recommendation with no actions cannot be closed.", code="no_actions"
        )
    if statuses - set(Action.CLOSED_STATUSES):
        raise ValidationError(
            "Every action must be completed or superseded before the recommendation can be closed.",
            code="open_actions",
        )
    statement = (impact_statement or "").strip()
    if not statement:
        raise ValidationError("Enter a statement of the impact the recommendation made.")
    recommendation.closed_at = timezone.now()
    recommendation.closed_by = actor
    recommendation.impact_statement = statement
    return save_tracked(
        recommendation, actor=actor, reason="Recommendation closed by the SILG chair"
    )
