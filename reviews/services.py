"""Every change to reviews and recommendations, each with who and why on the record."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from actions.models import Action
from audits.history import save_tracked
from reviews.models import Recommendation, Review, Theme
from sscp.models import Agency, Partnership, User


@transaction.atomic
def review_save(
    *,
    actor: User,
    partnership: Partnership,
    review: Review | None = None,
    title: str,
    kind: str,
    summary: str = "",
    commissioned_on: datetime.date | None = None,
    published_on: datetime.date | None = None,
    themes: list[Theme] = (),
    joint_partnerships: list[Partnership] = (),
) -> Review:
    """Log a new review of `partnership` (`review=None`) or edit an existing one of it.

    A review commissioned jointly is seen by each partnership in `joint_partnerships`.
    Its themes are its own partnership's.
    """
    creating = review is None
    review = review or Review(partnership=partnership)
    title = title.strip()
    _check_review(review, title, commissioned_on, published_on, themes)
    joint = [p for p in joint_partnerships if p.pk != review.partnership_id]
    shared_before = (
        set(review.joint_partnerships.values_list("pk", flat=True)) if review.pk else set()
    )
    review.title, review.kind, review.summary = title, kind, summary.strip()
    review.commissioned_on, review.published_on = commissioned_on, published_on
    save_tracked(
        review,
        actor=actor,
        reason=REVIEW_LOGGED if creating else "Review details edited",
        m2m={"themes": list(themes), "joint_partnerships": joint},
    )
    share_joint_reviews(shared_before ^ {p.pk for p in joint})
    return review


def _check_review(review: Review, title: str, commissioned_on, published_on, themes) -> None:
    same_title = Review.objects.filter(partnership=review.partnership_id, title__iexact=title)
    if same_title.exclude(pk=review.pk).exists():
        raise ValidationError({"title": f"A review called “{title}” already exists"})
    if any(theme.partnership_id != review.partnership_id for theme in themes):
        raise ValidationError({"themes": "Choose themes of the review's own partnership"})
    if commissioned_on and published_on and published_on < commissioned_on:
        raise ValidationError(
            {"published_on": "Date published must be on or after the date commissioned"}
        )


def share_joint_reviews(partnership_ids) -> None:
    """Keep each partnership's list of the reviews commissioned jointly with it
    (Partnership.joint_review_ids) as Review.joint_partnerships records it: after a
    review's joint partnerships change, for those it was added to or taken from."""
    Shared = Review.joint_partnerships.through
    for partnership in Partnership.objects.select_for_update().filter(pk__in=partnership_ids):
        shared = Shared.objects.filter(partnership=partnership).order_by("review_id")
        partnership.joint_review_ids = list(shared.values_list("review_id", flat=True))
        partnership.skip_history_when_saving = True  # a copy kept for reading, not a change
        partnership.save(update_fields=["joint_review_ids"])


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
    recommendation = recommendation or Recommendation(
        review=review, partnership_id=review.partnership_id
    )
    if recommendation.is_closed:
        raise ValidationError("A closed recommendation cannot be edited", code="closed")
    duplicate = Recommendation.objects.filter(review=review, number=number).exclude(
        pk=recommendation.pk
    )
    if duplicate.exists():
        raise ValidationError({"number": f"{review} already has a recommendation {number}"})
    if not creating:
        planned = set(recommendation.actions.values_list("agency_id", flat=True))
        dropped = planned - {agency.pk for agency in agencies}
        if dropped:
            names = ", ".join(str(a) for a in Agency.objects.filter(pk__in=dropped))
            raise ValidationError(
                {
                    "agencies": f"{names} already {'has' if len(dropped) == 1 else 'have'} "
                    "actions for this recommendation, so must stay an owning agency"
                },
            )
    recommendation.number = number
    recommendation.text = text.strip()
    return save_tracked(
        recommendation,
        actor=actor,
        reason=RECOMMENDATION_LOGGED if creating else "Recommendation edited",
        m2m={"themes": list(themes), "agencies": list(agencies)},
    )


# The reasons on the history rows of reviews and recommendations.
REVIEW_LOGGED = "Review logged"
RECOMMENDATION_LOGGED = "Recommendation logged"
RECOMMENDATION_CLOSED = "Recommendation closed by the SILG chair"


def why_not_closable(action_statuses: list[str]) -> str | None:
    """Why a recommendation with actions in these statuses cannot be closed, or None.

    The page offers "Close the recommendation" only when this is None, and the
    service refuses on the same rule, so nobody types an impact statement in vain.
    """
    if not action_statuses:
        return "It cannot be closed yet: it has no actions."
    still_open = sum(1 for status in action_statuses if status in Action.OPEN_STATUSES)
    if still_open:
        return (
            f"It can be closed once every action is completed or superseded: {still_open} of "
            f"its {len(action_statuses)} action{pluralize(len(action_statuses))} "
            f"{'is' if still_open == 1 else 'are'} still open."
        )
    return None


@transaction.atomic
def recommendation_close(
    *, actor: User, recommendation: Recommendation, impact_statement: str
) -> Recommendation:
    """The SILG chair closes a recommendation whose actions are all completed or superseded."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.is_closed:
        raise ValidationError("This recommendation is already closed", code="closed")
    statuses = list(
        Action.objects.select_for_update()
        .filter(recommendation=recommendation)
        .values_list("status", flat=True)
    )
    blocker = why_not_closable(statuses)
    if blocker:
        raise ValidationError(blocker, code="not_closable")
    statement = (impact_statement or "").strip()
    if not statement:
        raise ValidationError(
            {"impact_statement": "Enter a statement of the impact the recommendation made"}
        )
    recommendation.closed_at = timezone.now()
    recommendation.closed_by = actor
    recommendation.impact_statement = statement
    return save_tracked(recommendation, actor=actor, reason=RECOMMENDATION_CLOSED)


@transaction.atomic
def recommendation_reopen(*, actor: User, recommendation: Recommendation, because) -> bool:
    """Reopen a closed recommendation because one of its actions (`because`) was reopened;
    whether it was closed. Closing (above) and reopening are the one pair of rules for a
    recommendation's state.

    The action's reason is confidential to its agency: the recommendation's history,
    which everyone reads, says only which action was reopened.
    """
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if not recommendation.is_closed:
        return False
    recommendation.closed_at = None
    recommendation.closed_by = None
    recommendation.impact_statement = ""
    save_tracked(
        recommendation,
        actor=actor,
        reason=f"Reopened because its action “{because.title}” was reopened by the SILG chair",
    )
    return True
