"""
Working days of England and Wales, and of each partnership: the one count every statutory
deadline of a review comes from (docs/architecture.md, "A review's journey").

A working day is a weekday that is not a bank holiday of England and Wales, nor a day the
partnership has said it is closed (ClosureDay, whose dates the partnership carries).
Bank holidays come from the govuk-bank-holidays package's own copy of GOV.UK's list
(2012 to 2028 in 0.19), never from the network: a deadline past its last year counts
weekends only, so upgrade the package as GOV.UK publishes new years.
"""

import datetime
import functools

from govuk_bank_holidays.bank_holidays import BankHolidays

from sscp.models import Partnership


@functools.cache
def bank_holidays() -> frozenset[datetime.date]:
    """England and Wales's bank holidays, from the package's bundled data."""
    holidays = BankHolidays(use_cached_holidays=True)
    return frozenset(
        holiday["date"]
        for holiday in holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    )


class WorkingDays:
    """Counting working days for one partnership (its closure days) or none."""

    def __init__(self, closures=()):
        self.closed = bank_holidays() | frozenset(closures)

    @classmethod
    def of(cls, partnership) -> "WorkingDays":
        """The working days of `partnership`, from the closure dates it carries (no query)."""
        if partnership is None:
            return cls()
        return cls(map(datetime.date.fromisoformat, partnership.closure_dates))

    @classmethod
    def of_each(cls, partnership_ids, known=None) -> dict[int, "WorkingDays"]:
        """The working days of each of these partnerships: those in `known` (id →
        Partnership, a scope's) with no query, the rest with one."""
        known = known or {}
        missing = set(partnership_ids) - set(known)
        read = Partnership.objects.filter(pk__in=missing).only("closure_dates") if missing else ()
        every = {**known, **{partnership.pk: partnership for partnership in read}}
        return {pk: cls.of(every[pk]) for pk in partnership_ids}

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The `days`th working day after `start` (which is not counted): "within 5 working
        days of 14 December 2026" is 21 December 2026."""
        day = start
        counted = 0
        while counted < days:
            day += datetime.timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def on_or_after(self, day: datetime.date) -> datetime.date:
        """`day`, or the first working day after it: a deadline never falls on a day off."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is
        before `start` (how many a deadline has passed by)."""
        if end < start:
            return -self.between(end, start)
        days = (start + datetime.timedelta(days=n) for n in range(1, (end - start).days + 1))
        return sum(self.is_working_day(day) for day in days)
