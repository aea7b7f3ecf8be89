"""The year's learning activities totalled as the annual report totals them (issue 19,
item 2): "43 attendees in total and an average evaluation score of 4.7 out of 5"."""

import datetime
from decimal import Decimal

import pytest

from learning.models import LearningActivity
from learning.selectors import annual_totals
from sscp.scope import Scope
from tests.learning.makers import make_learning_activity
from tests.makers import default_partnership, make_partnership

pytestmark = pytest.mark.django_db

D = datetime.date
START, END = D(2020, 4, 1), D(2021, 3, 31)  # the report's year, 2020/21
Kind = LearningActivity.Kind


def scope_of(*partnerships) -> Scope:
    return Scope.of(partnerships or [default_partnership()])


@pytest.fixture
def the_year():
    """Southampton's Workforce Development in 2020/21, and what falls outside it."""
    # The two CSAFE training days: 43 attendees in total, 4.7 out of 5 weighted by them
    # (15 × 4.6 + 28 × 4.8 = 203.4; 203.4 ÷ 43 = 4.73).
    make_learning_activity(kind=Kind.TRAINING_DAY, held_on=D(2020, 11, 18), places_offered=20,
                           attended=15, no_shows=4, average_score=Decimal("4.6"))  # fmt: skip
    make_learning_activity(kind=Kind.TRAINING_DAY, held_on=D(2021, 3, 10), places_offered=30,
                           attended=28, no_shows=1, average_score=Decimal("4.8"))  # fmt: skip
    # The Bruising Protocol workshop: scored 4.8, its attendance not recorded.
    make_learning_activity(kind=Kind.WORKSHOP, held_on=D(2020, 12, 9), places_offered=25,
                           average_score=Decimal("4.8"))  # fmt: skip
    make_learning_activity(kind=Kind.SPOTLIGHT, held_on=D(2021, 1, 20), audience="Practitioners")
    make_learning_activity(kind=Kind.SPOTLIGHT, held_on=D(2020, 6, 1), audience="Practitioners")
    # Outside the year, or another partnership's.
    make_learning_activity(kind=Kind.TRAINING_DAY, held_on=D(2021, 4, 1), attended=90,
                           average_score=Decimal("1.0"))  # fmt: skip
    make_learning_activity(kind=Kind.TRAINING_DAY, held_on=D(2020, 3, 31), attended=90)
    make_learning_activity(
        partnership=make_partnership("other"), kind=Kind.WORKSHOP, held_on=D(2020, 10, 1),
        attended=90, average_score=Decimal("1.0"),
    )  # fmt: skip


def test_the_year_is_totalled_as_the_report_does(the_year):
    totals = annual_totals(scope_of(), START, END)
    assert totals.by_kind == [
        ("Briefing", 0),
        ("Training day", 2),
        ("Workshop", 1),
        ("Toolkit", 0),
        ("“Spotlight on” briefing", 2),
    ]
    assert totals.activities == 5
    assert totals.sessions == 3  # the training days and the workshop
    assert (totals.places_offered, totals.attended, totals.no_shows) == (75, 43, 5)
    assert totals.average_score == Decimal("4.7")


def test_a_year_without_activities_has_no_score():
    totals = annual_totals(scope_of(), START, END)
    assert (totals.activities, totals.sessions, totals.attended) == (0, 0, 0)
    assert totals.average_score is None


def test_every_partnership_in_scope_counts(the_year):
    both = scope_of(default_partnership(), make_partnership("third"))
    assert annual_totals(both, START, END).attended == 43


def test_the_totals_take_one_query_however_many_activities(the_year, django_assert_max_num_queries):
    scope = scope_of()
    with django_assert_max_num_queries(1):
        annual_totals(scope, START, END)
    for day in range(1, 29):
        make_learning_activity(held_on=D(2021, 2, day), places_offered=10, attended=10,
                               average_score=Decimal("4.7"))  # fmt: skip
    with django_assert_max_num_queries(1):
        totals = annual_totals(scope, START, END)
    assert totals.attended == 43 + 280 and totals.sessions == 3 + 28
    assert totals.average_score == Decimal("4.7")
