"""The reminder policy as a table: due date, day, status → the reminders due."""

import datetime

import pytest

from actions.models import Action
from actions.reminders import Audience, Due, Frequency, dates_with_reminders, reminders_for

MONDAY = datetime.date(2026, 11, 30)
WEDNESDAY = datetime.date(2026, 12, 2)
S = Action.Status

UPCOMING_DAILY = Due("upcoming", Audience.OWNERS, Frequency.DAILY)
UPCOMING_WEEKLY = Due("upcoming", Audience.OWNERS, Frequency.WEEKLY)
DUE_TODAY = Due("due_today", Audience.OWNERS)
OVERDUE = Due("overdue", Audience.OWNERS)
TO_PARTNERSHIP = Due("escalation", Audience.PARTNERSHIP)
TO_CHAIR = Due("escalation", Audience.CHAIR)

TABLE = [
    # days until due (negative: overdue), today, status, expected
    (15, WEDNESDAY, S.IN_PROGRESS, set()),
    (14, WEDNESDAY, S.IN_PROGRESS, {UPCOMING_DAILY}),
    (13, WEDNESDAY, S.NOT_STARTED, set()),
    (4, WEDNESDAY, S.IN_PROGRESS, set()),
    (3, WEDNESDAY, S.IN_PROGRESS, {UPCOMING_DAILY}),
    (1, WEDNESDAY, S.IN_PROGRESS, set()),
    (0, WEDNESDAY, S.IN_PROGRESS, {DUE_TODAY}),
    (-1, WEDNESDAY, S.IN_PROGRESS, {OVERDUE}),
    (-2, WEDNESDAY, S.IN_PROGRESS, set()),
    (-7, WEDNESDAY, S.IN_PROGRESS, set()),
    (-8, WEDNESDAY, S.IN_PROGRESS, {OVERDUE}),
    (-15, WEDNESDAY, S.NOT_STARTED, {OVERDUE}),
    (-22, WEDNESDAY, S.IN_PROGRESS, {OVERDUE}),
    (-28, WEDNESDAY, S.IN_PROGRESS, set()),
    (-29, WEDNESDAY, S.IN_PROGRESS, {OVERDUE, TO_PARTNERSHIP}),
    (-50, WEDNESDAY, S.IN_PROGRESS, {OVERDUE, TO_PARTNERSHIP}),
    (-56, WEDNESDAY, S.IN_PROGRESS, set()),
    (-57, WEDNESDAY, S.IN_PROGRESS, {OVERDUE, TO_PARTNERSHIP, TO_CHAIR}),
    (-365, WEDNESDAY, S.IN_PROGRESS, {OVERDUE, TO_PARTNERSHIP, TO_CHAIR}),
    # Weekly readers hear about upcoming work on Mondays, for anything due within 14 days.
    (14, MONDAY, S.IN_PROGRESS, {UPCOMING_DAILY, UPCOMING_WEEKLY}),
    (9, MONDAY, S.IN_PROGRESS, {UPCOMING_WEEKLY}),
    (1, MONDAY, S.IN_PROGRESS, {UPCOMING_WEEKLY}),
    (15, MONDAY, S.IN_PROGRESS, set()),
    (0, MONDAY, S.IN_PROGRESS, {DUE_TODAY}),
    # Nothing once the agency has submitted, or the action is closed.
    (3, WEDNESDAY, S.SUBMITTED, set()),
    (0, WEDNESDAY, S.SUBMITTED, set()),
    (-57, WEDNESDAY, S.SUBMITTED, set()),
    (-1, WEDNESDAY, S.COMPLETED, set()),
    (-8, WEDNESDAY, S.SUPERSEDED, set()),
    (14, MONDAY, S.COMPLETED, set()),
]


@pytest.mark.parametrize("days_left, today, status, expected", TABLE)
def test_policy(days_left, today, status, expected):
    due_date = today + datetime.timedelta(days=days_left)
    assert reminders_for(due_date=due_date, today=today, status=status) == expected


@pytest.mark.parametrize("days_left, today, status, expected", TABLE)
def test_the_sweep_query_finds_every_due_date_the_policy_acts_on(
    days_left, today, status, expected
):
    due_date = today + datetime.timedelta(days=days_left)
    assert (due_date in dates_with_reminders(today)) == bool(
        reminders_for(due_date=due_date, today=today, status=S.IN_PROGRESS)
    )


def test_the_offsets_are_settings(settings):
    settings.REMINDER_UPCOMING_DAYS = [10]
    settings.REMINDER_OVERDUE_EVERY_DAYS = 3
    settings.REMINDER_ESCALATE_TO_PARTNERSHIP_DAYS = 4
    due = lambda days_left: reminders_for(  # noqa: E731
        due_date=WEDNESDAY + datetime.timedelta(days=days_left),
        today=WEDNESDAY,
        status=S.IN_PROGRESS,
    )
    assert due(10) == {UPCOMING_DAILY} and due(14) == set()
    assert due(-4) == {OVERDUE, TO_PARTNERSHIP}
    assert due(-3) == set()


def test_every_kind_of_reminder_has_its_rule_and_an_unknown_kind_fails_loudly():
    """Planning and delivery ask the same rule of each kind (issue 16): a kind added to
    ReminderKind without one fails here, not at the first delivery."""
    from actions.models import ReminderKind
    from actions.reminders import RULES, rule

    assert set(RULES) == set(ReminderKind)
    with pytest.raises(ValueError, match="no rule for reminders of kind 'invented'"):
        rule("invented")
