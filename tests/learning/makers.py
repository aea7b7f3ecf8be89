"""Makers for learning activities (tests/makers.py has the rest)."""

import datetime
import itertools

from learning.models import LearningActivity
from tests.makers import default_partnership, make_user

_sequence = itertools.count(1)


def make_learning_activity(*, partnership=None, recommendations=(), **fields) -> LearningActivity:
    """A training day held a month ago, built directly (not through the service)."""
    fields.setdefault("title", f"Training day {next(_sequence)}")
    fields.setdefault("kind", LearningActivity.Kind.TRAINING_DAY)
    fields.setdefault("held_on", datetime.date.today() - datetime.timedelta(days=30))
    fields.setdefault("audience", "Multi-agency practitioners")
    if "created_by" not in fields:
        fields["created_by"] = make_user()
    activity = LearningActivity.objects.create(
        partnership=partnership or default_partnership(), **fields
    )
    activity.recommendations.set(recommendations)
    return activity
