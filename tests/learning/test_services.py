"""Recording and editing learning activities (issue 19, item 2) through the service: each
rule refuses with a message at its field and saves nothing; what is saved is on the record
with its reason, the recommendations it answers in the same history row."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from audits.sealing import verify
from learning.models import LearningActivity
from learning.services import learning_activity_save
from tests.makers import default_partnership, make_partnership, make_recommendation, make_review

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2027, 1, 7)


@pytest.fixture(autouse=True)
def on_the_7th():
    with time_machine.travel(datetime.datetime(2027, 1, 7, 12, 0), tick=False):
        yield


def training_day(**fields) -> dict:
    return {
        "kind": LearningActivity.Kind.TRAINING_DAY,
        "title": "Child sexual abuse in the family environment (CSAFE)",
        "held_on": D(2026, 12, 9),
        "audience": "Multi-agency practitioners",
        "places_offered": 40,
        "attended": 38,
        "no_shows": 2,
        "average_score": Decimal("4.7"),
    } | fields


def save(actor, **fields):
    return learning_activity_save(actor=actor, partnership=default_partnership(), **fields)


def refusal(actor, **fields) -> dict:
    """The messages the service refuses with, by field; nothing may have been saved."""
    before = list(LearningActivity.objects.values())
    history = LearningActivity.history.count()
    with pytest.raises(ValidationError) as refused:
        save(actor, **fields)
    assert list(LearningActivity.objects.values()) == before
    assert LearningActivity.history.count() == history
    return {name: " ".join(messages) for name, messages in refused.value.message_dict.items()}


def test_a_training_day_is_recorded_with_the_recommendations_it_answers(partnership_officer):
    recommendations = [make_recommendation(), make_recommendation()]
    activity = save(partnership_officer, recommendations=recommendations, **training_day())
    assert (activity.attended, activity.places_offered, activity.average_score) == (
        38, 40, Decimal("4.7"),
    )  # fmt: skip
    assert activity.created_by == partnership_officer
    assert set(activity.recommendations.all()) == set(recommendations)
    row = activity.history.get()  # the record and its links, one row
    assert (row.history_user, row.history_change_reason) == (
        partnership_officer,
        "Learning activity recorded",
    )
    assert {link.recommendation_id for link in row.recommendations.all()} == {
        r.pk for r in recommendations
    }
    assert verify().intact


def test_an_edit_is_on_the_record_with_its_reason(partnership_officer):
    first, second = make_recommendation(), make_recommendation()
    activity = save(partnership_officer, recommendations=[first], **training_day())
    save(
        partnership_officer,
        activity=activity,
        recommendations=[second],
        **training_day(attended=40),
    )
    activity.refresh_from_db()
    assert activity.attended == 40
    assert list(activity.recommendations.all()) == [second]
    latest = activity.history.latest()
    assert latest.history_change_reason == "Learning activity edited"
    assert [link.recommendation_id for link in latest.recommendations.all()] == [second.pk]


def test_what_the_person_confirmed_goes_on_the_record(partnership_officer):
    activity = save(partnership_officer, confirmed=["Description: looks like a postcode"],
                    **training_day())  # fmt: skip
    assert activity.history.get().history_change_reason == (
        "Learning activity recorded (confirmed: Description: looks like a postcode)"
    )


def test_a_toolkit_needs_no_places(partnership_officer):
    activity = save(
        partnership_officer,
        kind=LearningActivity.Kind.TOOLKIT,
        title="Unidentified Adults Toolkit",
        held_on=D(2026, 11, 2),
    )
    assert activity.places_offered is None and not activity.is_session


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            {"attended": 43},
            {"attended": "The number who attended must be no more than the places offered (40)"},
        ),
        (
            {"no_shows": 41},
            {"no_shows": "The number of no-shows must be no more than the places offered (40)"},
        ),
        (
            {"average_score": Decimal("5.5")},
            {"average_score": "The average evaluation score must be from 1 to 5, like 4.7"},
        ),
        (
            {"average_score": Decimal("0.5")},
            {"average_score": "The average evaluation score must be from 1 to 5, like 4.7"},
        ),
        ({"title": "  "}, {"title": "Enter the title of the activity"}),
        ({"kind": "lecture"}, {"kind": "Choose the kind of activity"}),
        ({"held_on": None}, {"held_on": "Enter the date held or published"}),
        (
            {"held_on": D(2027, 2, 1)},
            {
                "attended": "The number who attended can be recorded once the activity has "
                "been held",
                "no_shows": "The number of no-shows can be recorded once the activity has "
                "been held",
                "average_score": "The average evaluation score can be recorded once the "
                "activity has been held",
            },
        ),
        (
            {"kind": LearningActivity.Kind.SPOTLIGHT, "attended": None, "no_shows": None},
            {
                "places_offered": "A “Spotlight on” briefing is published, not held: leave "
                "the places offered empty"
            },
        ),
    ],
    ids=[
        "more attended than places",
        "more no-shows than places",
        "score above 5",
        "score below 1",
        "no title",
        "unknown kind",
        "no date",
        "not yet held",
        "places for a published briefing",
    ],  # fmt: skip
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(
    partnership_officer, fields, expected
):
    assert refusal(partnership_officer, **training_day(**fields)) == expected


def test_an_edit_that_breaks_a_rule_changes_nothing(partnership_officer):
    activity = save(partnership_officer, **training_day())
    messages = refusal(partnership_officer, activity=activity, **training_day(attended=41))
    assert "places offered (40)" in messages["attended"]
    activity.refresh_from_db()
    assert activity.attended == 38
    assert activity.history.count() == 1


def test_a_session_still_to_come_may_have_its_places(partnership_officer):
    activity = save(
        partnership_officer,
        **training_day(held_on=D(2027, 3, 3), attended=None, no_shows=None, average_score=None),
    )
    assert activity.places_offered == 40


def test_recommendations_of_another_partnership_are_refused(partnership_officer):
    other = make_partnership("other")
    theirs = make_recommendation(make_review(partnership=other))
    ours = make_recommendation()
    messages = refusal(partnership_officer, recommendations=[ours, theirs], **training_day())
    assert messages == {
        "recommendations": "Choose recommendations of the activity's own partnership"
    }
