"""The working-day count every statutory deadline comes from (issue 18, item 1)."""

import datetime

import pytest

from sscp.working_days import WorkingDays, bank_holidays
from tests.makers import make_closure_day, make_partnership

D = datetime.date


def test_christmas_new_year_and_a_substitute_bank_holiday_are_not_counted():
    """Aware on Monday 14 December 2026: the notification is due within 5 working days,
    on Monday 21 December; notified that day, the rapid review within 15 working days,
    on Thursday 7 January 2027 — past Christmas Day (Friday), Boxing Day's substitute
    (Monday 28 December) and New Year's Day (Friday)."""
    days = WorkingDays()
    assert days.add(D(2026, 12, 14), 5) == D(2026, 12, 21)
    assert days.add(D(2026, 12, 14), 15) == D(2027, 1, 7)
    assert D(2026, 12, 28) in bank_holidays()  # Boxing Day falls on a Saturday


def test_easter_is_not_counted():
    """Good Friday 26 March and Easter Monday 29 March 2027."""
    assert WorkingDays().add(D(2027, 3, 25), 1) == D(2027, 3, 30)
    assert WorkingDays().between(D(2027, 3, 25), D(2027, 3, 30)) == 1


def test_a_weekend_start_counts_from_the_monday():
    assert WorkingDays().add(D(2027, 2, 6), 1) == D(2027, 2, 8)  # Saturday → Monday


def test_between_counts_forwards_and_how_late_backwards():
    days = WorkingDays()
    assert days.between(D(2026, 12, 14), D(2026, 12, 21)) == 5
    assert days.between(D(2026, 12, 21), D(2026, 12, 14)) == -5
    assert days.between(D(2026, 12, 14), D(2026, 12, 14)) == 0


@pytest.mark.django_db
def test_a_partnerships_closure_days_are_not_counted_by_it_alone():
    closed = make_partnership("closed")
    make_closure_day(partnership=closed, date=D(2026, 12, 24), reason="Office closed")
    open_ = make_partnership("open")
    assert WorkingDays.of(closed).add(D(2026, 12, 21), 3) == D(2026, 12, 29)
    assert WorkingDays.of(open_).add(D(2026, 12, 21), 3) == D(2026, 12, 24)
