"""Every change to learning activities, each with who and why on the record."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits.history import save_tracked, with_confirmation
from learning.models import HIGHEST_SCORE, LOWEST_SCORE, SESSION_KINDS, LearningActivity
from reviews.models import Recommendation
from sscp.forms import phrase
from sscp.models import Partnership, User

# The reasons on the history rows of learning activities.
LEARNING_ACTIVITY_RECORDED = "Learning activity recorded"
LEARNING_ACTIVITY_EDITED = "Learning activity edited"

# The numbers of a session (learning.models.SESSION_KINDS), in words: a toolkit or a
# "Spotlight on" briefing is published, so it has none of them.
NUMBERS = {
    "places_offered": "places offered",
    "attended": "number who attended",
    "no_shows": "number of no-shows",
}
# What is known only once a session has been held, not while it is still to come.
AFTERWARDS = {
    "attended": "number who attended",
    "no_shows": "number of no-shows",
    "average_score": "average evaluation score",
}


@transaction.atomic
def learning_activity_save(
    *,
    actor: User,
    partnership: Partnership,
    activity: LearningActivity | None = None,
    kind: str,
    title: str,
    held_on: datetime.date,
    description: str = "",
    audience: str = "",
    places_offered: int | None = None,
    attended: int | None = None,
    no_shows: int | None = None,
    average_score: Decimal | None = None,
    recommendations: list[Recommendation] = (),
    confirmed=(),
) -> LearningActivity:
    """Record a learning activity of `partnership` (`activity=None`) or edit one of it.

    1. It needs a kind and a title; the recommendations it answers are of its own
       partnership.
    2. Only a session (a briefing, training day or workshop) has places, attendance and
       no-shows, and its attendance, no-shows and score only once it has been held.
    3. No more attended, and no more failed to come, than there were places; a score
       from 1 to 5.
    Nothing is saved when any of these fails: each message is at its field.
    """
    creating = activity is None
    activity = activity or LearningActivity(partnership=partnership, created_by=actor)
    values = {
        "kind": kind,
        "title": (title or "").strip(),
        "description": (description or "").strip(),
        "held_on": held_on,
        "audience": (audience or "").strip(),
        "places_offered": places_offered,
        "attended": attended,
        "no_shows": no_shows,
        "average_score": average_score,
    }
    _check(activity.partnership_id, values, recommendations)
    for name, value in values.items():
        setattr(activity, name, value)
    reason = LEARNING_ACTIVITY_RECORDED if creating else LEARNING_ACTIVITY_EDITED
    return save_tracked(
        activity,
        actor=actor,
        reason=with_confirmation(reason, confirmed),
        m2m={"recommendations": list(recommendations)},
    )


def _check(partnership_id: int, values: dict, recommendations) -> None:
    errors = {}
    if values["kind"] not in LearningActivity.Kind.values:
        errors["kind"] = "Choose the kind of activity"
    if not values["title"]:
        errors["title"] = "Enter the title of the activity"
    if values["held_on"] is None:
        errors["held_on"] = "Enter the date held or published"
    if any(r.partnership_id != partnership_id for r in recommendations):
        errors["recommendations"] = "Choose recommendations of the activity's own partnership"
    errors = _reach_errors(values) | errors
    if errors:
        raise ValidationError(errors)


def _reach_errors(values: dict) -> dict[str, str]:
    """What is wrong with the places, attendance, no-shows and score, field by field."""
    kind = values["kind"]
    if kind in LearningActivity.Kind.values and kind not in SESSION_KINDS:
        published = f"A {phrase(LearningActivity.Kind(kind).label)} is published, not held"
        return {
            name: f"{published}: leave the {words} empty"
            for name, words in NUMBERS.items()
            if values[name] is not None
        }
    held_on = values["held_on"]
    if held_on and held_on > timezone.localdate():
        errors = {
            name: f"The {words} can be recorded once the activity has been held"
            for name, words in AFTERWARDS.items()
            if values[name] is not None
        }
    else:
        errors = {}
    places = values["places_offered"]
    for name in ["attended", "no_shows"]:
        count = values[name]
        if name not in errors and None not in (places, count) and count > places:
            errors[name] = f"The {NUMBERS[name]} must be no more than the places offered ({places})"
    score = values["average_score"]
    in_range = score is None or LOWEST_SCORE <= score <= HIGHEST_SCORE
    if "average_score" not in errors and not in_range:
        errors["average_score"] = "The average evaluation score must be from 1 to 5, like 4.7"
    return errors
