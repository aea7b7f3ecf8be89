"""
Closed years (issue 21, item 4): a partnership's annual figures of a financial year gone
by are stored when it closes, and its page and downloads read them as stored, as the
published annual report gives them, whatever changes in the history after;
`manage.py close_year --recompute` counts the year again and says what differs.

The year is 2025/26: 1 April 2025 to 31 March 2026.
"""

import collections
import datetime
import importlib
import statistics
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from actions import reports, services, tasks
from actions.models import Action, ClosedYear
from actions.reports import FinancialYear, YearNotEnded, close_year
from learning.models import LearningActivity
from sscp import database
from sscp.celery import app
from sscp.scope import Scope
from tests.actions import test_annual_report
from tests.actions.test_annual_report import _downloaded_csv
from tests.learning.makers import make_learning_activity
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_evidence,
    make_partnership,
    make_review,
)
from tests.pages import text

pytestmark = pytest.mark.django_db

# Fixtures whose answers test_annual_report worked out by hand.
year_2025 = test_annual_report.year_2025
incidents_2025 = test_annual_report.incidents_2025

D = datetime.date
YEAR = FinancialYear(2025)
AFTER = D(2026, 5, 1)  # the year has ended


def at(day: datetime.date, hour=12):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), datetime.UTC), tick=False
    )


def own_scope(partnership=None) -> Scope:
    """A partnership's own scope, as its pages have it."""
    partnership = partnership or default_partnership()
    return Scope.of([partnership], current=partnership)


def page(client, year=YEAR) -> str:
    response = client.get(reverse("annual-report", args=[SLUG]), {"year": year.start_year})
    assert response.status_code == 200
    return text(response.content.decode())


@pytest.fixture
def two_completed(silg_chair, lead_a):
    """Two actions signed off as completed in 2025/26; returns the first."""
    make_review(title="Alpha", published_on=D(2025, 5, 10))
    actions = []
    for approved_on in (D(2025, 9, 15), D(2025, 11, 10)):
        with at(approved_on):
            action = make_action(agency=agency_of(lead_a), due_date=D(2025, 10, 31))
            make_evidence(action, uploaded_by=lead_a)
            services.action_submit(actor=lead_a, action=action, completion_statement="Done")
            services.action_approve(actor=silg_chair, action=action)
        actions.append(action)
    return actions[0]


def test_the_closed_years_page_keeps_its_stored_figures_when_the_history_changes(
    client_for, partnership_officer, two_completed
):
    with at(AFTER):
        assert close_year(YEAR, default_partnership(), today=AFTER) == []
        services.withdraw(actor=partnership_officer, record=two_completed, reason="In error")
        shown = page(client_for(partnership_officer))

    assert "Actions completed 2 " in shown  # as the year closed
    counted = reports.count_annual_figures(YEAR, scope=own_scope(), today=AFTER)
    assert counted.actions_completed == 1  # as the history tells it now


def test_recomputing_prints_each_difference_and_stores_the_new_figures(
    client_for, partnership_officer, two_completed, capsys
):
    with at(AFTER):
        call_command("close_year", "--year", "2025")
        services.withdraw(actor=partnership_officer, record=two_completed, reason="In error")
        capsys.readouterr()

        call_command("close_year", "--year", "2025", "--recompute")
        out = capsys.readouterr().out.splitlines()
        shown = page(client_for(partnership_officer))

        call_command("close_year", "--year", "2025", "--recompute")
        again = capsys.readouterr().out.splitlines()

    assert "test: 2025/26 actions completed: stored 2, now 1" in out
    assert "test: 2025/26 completed by their original due date (%): stored 50, now 0" in out
    assert "No differences" not in out
    assert "Actions completed 1 " in shown
    assert again == ["test: 2025/26 counted again: no differences", "No differences"]


def test_a_year_not_ended_is_refused(two_completed):
    with pytest.raises(YearNotEnded, match="2025/26 has not ended: it ends on 31 March 2026"):
        close_year(YEAR, default_partnership(), today=D(2026, 3, 31))
    with (
        at(D(2026, 12, 1)),
        pytest.raises(
            CommandError,
            match="The financial year 2026/27 has not ended: it ends on 31 March 2027",
        ),
    ):
        call_command("close_year", "--year", "2026")
    assert not ClosedYear.objects.exists()


@pytest.fixture
def the_learning():
    """Learning in the year, with an average score to keep exactly (15 × 4.6 + 28 × 4.8
    over 43 attended: 4.7)."""
    Kind = LearningActivity.Kind
    make_learning_activity(kind=Kind.TRAINING_DAY, held_on=D(2025, 11, 18), places_offered=20,
                           attended=15, no_shows=4, average_score=Decimal("4.6"))  # fmt: skip
    make_learning_activity(kind=Kind.WORKSHOP, held_on=D(2026, 3, 10), places_offered=30,
                           attended=28, no_shows=1, average_score=Decimal("4.8"))  # fmt: skip
    make_learning_activity(kind=Kind.SPOTLIGHT, held_on=D(2025, 6, 1), audience="Practitioners")


def test_the_stored_figures_are_the_counted_ones_exactly(
    client_for, partnership_officer, year_2025, incidents_2025, the_learning,
    django_assert_num_queries,
):  # fmt: skip
    today = D(2026, 11, 29)
    counted = reports.count_annual_figures(YEAR, scope=own_scope(), today=today)
    with at(today):
        client = client_for(partnership_officer)
        counted_page = page(client)
        counted_csv = _downloaded_csv(
            client.get(reverse("annual-report-csv", args=[SLUG]), {"year": 2025})
        )
        close_year(YEAR, default_partnership(), today=today)
        scope = own_scope()
        with django_assert_num_queries(1):  # the stored row, not the history
            stored = reports.annual_figures(YEAR, scope=scope, today=today)
        stored_page = page(client)
        stored_csv = _downloaded_csv(
            client.get(reverse("annual-report-csv", args=[SLUG]), {"year": 2025})
        )

    assert stored == counted  # every field, a review's kind and the score's Decimal too
    assert reports.figure_rows(stored) == reports.figure_rows(counted)
    assert stored_page == counted_page and stored_csv == counted_csv
    assert "Alpha (child safeguarding practice review, May 2025)" in stored_page
    assert "Average evaluation score 4.7 out of 5" in stored_page
    assert "Notifications sent within 5 working days 60% (3 of 5)" in stored_page


def test_a_closed_year_keeps_the_limits_it_was_counted_by(incidents_2025, settings):
    close_year(YEAR, default_partnership(), today=AFTER)
    settings.NOTIFICATION_WORKING_DAYS = 3
    stored = reports.annual_figures(YEAR, scope=own_scope(), today=AFTER)
    assert stored.panel.limits["notification_working_days"] == 5
    assert ["Notifications sent within 5 working days (%)", 60] in [
        row[1:3] for row in reports.figure_rows(stored)
    ]


def test_figures_of_more_than_one_partnership_are_counted_from_the_history(
    partnership_officer, two_completed
):
    close_year(YEAR, default_partnership(), today=AFTER)
    services.withdraw(actor=partnership_officer, record=two_completed, reason="In error")
    both = Scope.of([default_partnership(), make_partnership("other")], current=None)
    assert reports.annual_figures(YEAR, scope=both, today=AFTER).actions_completed == 1
    assert reports.annual_figures(YEAR, scope=own_scope(), today=AFTER).actions_completed == 2


def test_the_command_stores_each_year_once_unless_told_to_recompute(
    partnership_officer, two_completed, capsys
):
    make_partnership("hips")
    with at(AFTER):
        call_command("close_year")  # the last year ended: 2025/26
        first = capsys.readouterr().out.splitlines()
        closed_at = dict(ClosedYear.objects.values_list("partnership__slug", "closed_at"))
        services.withdraw(actor=partnership_officer, record=two_completed, reason="In error")
    with at(AFTER + datetime.timedelta(days=1)):
        call_command("close_year")
        second = capsys.readouterr().out.splitlines()

    assert first == ["hips: 2025/26 figures stored", "test: 2025/26 figures stored"]
    kept = "2025/26 figures stored already, left as they are (--recompute counts them again)"
    assert second == [f"hips: {kept}", f"test: {kept}"]
    assert dict(ClosedYear.objects.values_list("partnership__slug", "closed_at")) == closed_at
    assert reports.annual_figures(YEAR, scope=own_scope(), today=AFTER).actions_completed == 2


def test_the_command_can_close_one_partnership(two_completed, capsys):
    make_partnership("hips")
    with at(AFTER):
        call_command("close_year", "--partnership", "hips")
        with pytest.raises(CommandError, match="No partnership has the address “nowhere”"):
            call_command("close_year", "--partnership", "nowhere")
    assert capsys.readouterr().out.splitlines() == ["hips: 2025/26 figures stored"]
    assert list(ClosedYear.objects.values_list("partnership__slug", flat=True)) == ["hips"]


def test_the_daily_task_stores_the_year_once_on_the_first_run_after_31_march(two_completed):
    with at(D(2026, 3, 31)):
        assert tasks.close_years() == "stored 1 closed year; 0 failed"  # 2024/25
    with at(D(2026, 4, 1), hour=4):  # 05:00 in London
        assert tasks.close_years() == "stored 1 closed year; 0 failed"  # 2025/26
    with at(D(2026, 4, 2), hour=4):
        assert tasks.close_years() == "stored 0 closed years; 0 failed"
    assert sorted(ClosedYear.objects.values_list("start_year", flat=True)) == [2024, 2025]
    stored = reports.annual_figures(YEAR, scope=own_scope(), today=AFTER)
    assert stored.actions_completed == 2
    assert app.conf.beat_schedule["close-years"]["task"] in app.tasks
    assert settings.CELERY_BEAT_SCHEDULE["close-years"]["task"] == "actions.tasks.close_years"


def test_the_task_stores_the_figures_from_a_workers_restricted_connection(two_completed):
    """A worker's connection reads no partnership (sscp.celery): the task goes past the
    row-level security, saying why, and stores the figures counted in full."""
    database.restrict_new_connection(sender=None, connection=connection)
    try:
        with at(AFTER):
            assert tasks.close_years() == "stored 1 closed year; 0 failed"
    finally:
        database._put_back(None)
    assert ClosedYear.objects.get().figures["actions_completed"] == 2
    assert Action.objects.count() == 2


@pytest.fixture
def many_overdue(lead_a):
    """Five actions open and past due at the year's end: three by 31 days, one by 1, one
    by 200; and a review published in the year, for the page to offer it."""
    make_review(title="Alpha", published_on=D(2025, 5, 10))
    for due in [D(2026, 2, 28)] * 3 + [D(2026, 3, 30), D(2025, 9, 12)]:
        with at(D(2025, 6, 1)):
            make_action(agency=agency_of(lead_a), due_date=due, status=Action.Status.NOT_STARTED)


def test_a_closed_year_keeps_how_many_were_overdue_by_each_number_of_days(
    client_for, partnership_officer, many_overdue
):
    with at(AFTER):
        close_year(YEAR, default_partnership(), today=AFTER)
        shown = page(client_for(partnership_officer))

    figures = ClosedYear.objects.get().figures
    assert figures["overdue_by_days"] == [[1, 1], [31, 3], [200, 1]]  # not a number an action
    assert "overdue_days" not in figures
    assert "Overdue at the end of the year 5 " in shown
    assert "Median days overdue 31 days " in shown


@pytest.mark.parametrize(
    "days",
    [[], [7], [3, 9], [31, 31, 31, 1, 200], [1, 2, 2, 2, 9, 40], [5] * 4 + [6] * 4],
)
def test_the_median_read_from_the_counts_by_days_is_the_median_of_every_action(days):
    figures = reports.AnnualFigures(
        year=YEAR, as_of=YEAR.end, overdue_by_days=dict(collections.Counter(days))
    )
    assert figures.overdue_at_year_end == len(days)
    assert figures.median_days_overdue == (statistics.median(days) if days else None)


def test_a_year_stored_with_each_actions_days_is_read_after_upgrading(many_overdue):
    """Closed years stored before actions 0029 kept a number for each action overdue."""
    upgrade = importlib.import_module("actions.migrations.0029_closed_years_keep_overdue_by_days")
    counted = reports.count_annual_figures(YEAR, scope=own_scope(), today=AFTER)
    as_before = reports.figures_to_json(counted)
    as_before["overdue_days"] = [31, 1, 31, 200, 31]
    del as_before["overdue_by_days"]
    ClosedYear.objects.create(partnership=default_partnership(), start_year=2025, figures=as_before)

    upgrade.by_days(django_apps, None)

    assert reports.annual_figures(YEAR, scope=own_scope(), today=AFTER) == counted
    upgrade.each_action(django_apps, None)  # and back, to undo the upgrade
    assert sorted(ClosedYear.objects.get().figures["overdue_days"]) == [1, 31, 31, 31, 200]
