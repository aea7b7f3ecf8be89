"""
Annual report figures against a small fixture whose answers were worked out by hand.

The financial year is 2025/26: 1 April 2025 to 31 March 2026. Comments give the
hand-counted answer each event contributes.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from actions import reports, services
from actions.models import Action
from actions.reports import FinancialYear, annual_figures
from reviews import services as review_services
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_agency,
    make_evidence,
    make_recommendation,
    make_review,
    make_theme,
)
from tests.pages import text


def scope_of_the_tests() -> Scope:
    return Scope.of([default_partnership()])


pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(year, month, day, hour=12, minute=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, tzinfo=UTC), tick=False
    )


def complete(action, chair, lead):
    make_evidence(action, uploaded_by=lead)
    services.action_submit(actor=lead, action=action, completion_statement="Done")
    services.action_approve(actor=chair, action=action)


@pytest.fixture
def year_2025(silg_chair, lead_a):
    x, y = agency_of(lead_a), make_agency(name="Agency Y", short_name="Y")
    neglect, abuse = make_theme("Neglect"), make_theme("Domestic abuse")
    with at(2025, 1, 10):
        alpha = make_review(title="Alpha", published_on=datetime.date(2025, 5, 10))  # in the year
        alpha.themes.add(neglect)
        beta = make_review(title="Beta", published_on=datetime.date(2026, 3, 31))  # last day: in
        beta.themes.add(neglect, abuse)
        gamma = make_review(title="Gamma", published_on=datetime.date(2026, 4, 1))  # next year
        gamma.themes.add(neglect)
        delta = make_review(title="Delta", published_on=datetime.date(2025, 3, 31))  # last year
        alpha_1 = make_recommendation(alpha, agencies=[x, y])
        alpha_1.themes.add(abuse)
        make_action(alpha_1, agency=x, status=Action.Status.COMPLETED)  # no decision: not counted
        make_recommendation(alpha, agencies=[x])
        make_recommendation(beta, agencies=[x])
        make_recommendation(gamma, agencies=[x])
        delta_1 = make_recommendation(delta, agencies=[x])  # recommendations made: 3
        rec = make_recommendation(make_review(title="Unpublished"), agencies=[x, y])

        def action(agency, due, original=None, **kwargs):
            return make_action(
                rec,
                agency=agency,
                due_date=due,
                original_due_date=original or due,
                status=Action.Status.NOT_STARTED,
                **kwargs,
            )

        a1 = action(x, datetime.date(2025, 9, 30))
        a2 = action(x, datetime.date(2025, 6, 30))
        a3 = action(y, datetime.date(2026, 6, 30))
        a4 = action(x, datetime.date(2025, 4, 30))
        closer = action(x, datetime.date(2025, 2, 1))
        delta_action = make_action(delta_1, agency=x, status=Action.Status.COMPLETED)
        b1 = action(x, datetime.date(2026, 3, 1))
        b2 = action(y, datetime.date(2026, 1, 30))
        b3 = action(y, datetime.date(2026, 3, 21))
        b4 = action(x, datetime.date(2026, 2, 1))
        action(x, datetime.date(2026, 3, 31))  # due on the last day: not overdue at its end
        b7 = action(x, datetime.date(2026, 2, 28))
    with at(2025, 3, 15):
        review_services.recommendation_close(
            actor=silg_chair, recommendation=delta_1, impact_statement="x"
        )
    # 2025-03-31 23:30 UTC is 00:30 on 1 April in London: inside the year.
    with at(2025, 3, 31, 23, 30):
        complete(a4, silg_chair, lead_a)  # completed, on time (due 30 April)
    with at(2025, 6, 20):
        ext = services.extension_request(
            actor=lead_a, action=a2, requested_due_date=datetime.date(2025, 12, 31), reason="r"
        )
        services.extension_grant(actor=silg_chair, extension=ext)  # extensions granted: 1
        declined = services.extension_request(
            actor=lead_a, action=a1, requested_due_date=datetime.date(2025, 12, 31), reason="r"
        )
        services.extension_decline(actor=silg_chair, extension=declined, comment="No")
    with at(2025, 9, 15):
        complete(a1, silg_chair, lead_a)  # completed, on time
    with at(2025, 11, 10):
        complete(a2, silg_chair, lead_a)  # completed, late against its original date
    with at(2025, 12, 1):
        complete(closer, silg_chair, lead_a)  # completed, late
    with at(2026, 2, 1):
        review_services.recommendation_close(
            actor=silg_chair, recommendation=alpha_1, impact_statement="x"
        )
        for leftover in alpha_1.actions.all():
            assert leftover.pk
    with at(2026, 3, 15):
        complete(b4, silg_chair, lead_a)  # completed, late; no longer overdue by the year's end
    with at(2026, 4, 2):
        complete(a3, silg_chair, lead_a)  # next year
    with at(2026, 4, 10):
        complete(b3, silg_chair, lead_a)  # still open at the year's end: overdue 10 days then
    with at(2026, 4, 20):
        later = services.extension_request(
            actor=lead_a, action=b7, requested_due_date=datetime.date(2026, 6, 30), reason="r"
        )
        services.extension_grant(actor=silg_chair, extension=later)  # next year's extension
    with at(2026, 5, 1):
        make_action(rec, agency=x, due_date=datetime.date(2026, 1, 1))  # did not exist at year end
    return {"b1": b1, "b2": b2, "delta_action": delta_action}


def test_the_figures_match_the_hand_count(year_2025):
    figures = annual_figures(
        FinancialYear(2025), scope=scope_of_the_tests(), today=datetime.date(2026, 11, 29)
    )
    assert figures.year.label == "2025/26"
    assert [r.title for r in figures.reviews_published] == ["Alpha", "Beta"]
    assert figures.recommendations_made == 3
    assert figures.recommendations_closed == 1
    assert figures.actions_completed == 5  # a4, a1, a2, closer, b4
    assert figures.completed_on_time == 2  # a4 and a1
    assert figures.completed_on_time_percent == 40
    assert figures.extensions_granted == 1
    assert sorted(figures.overdue_days) == [10, 30, 31, 60]  # b3, b1, b7 (as it stood), b2
    assert figures.median_days_overdue == 30.5
    assert figures.overdue_by_agency == [("Agency A", 2), ("Y", 2)]
    assert figures.recurring_themes == [("Domestic abuse", 2), ("Neglect", 2)]


def test_the_year_in_progress_counts_to_today(year_2025):
    figures = annual_figures(
        FinancialYear(2026), scope=scope_of_the_tests(), today=datetime.date(2026, 4, 15)
    )
    assert figures.as_of == datetime.date(2026, 4, 15)
    assert [r.title for r in figures.reviews_published] == ["Gamma"]
    assert figures.actions_completed == 2  # a3 on 2 April, b3 on 10 April


def test_the_year_in_progress_reads_its_overdue_actions_as_their_history_would(silg_chair, lead_a):
    def action(due):
        return make_action(agency=agency_of(lead_a), due_date=due, status=Action.Status.NOT_STARTED)

    with at(2026, 6, 1):
        late = action(datetime.date(2026, 5, 1))
        extended = action(datetime.date(2026, 5, 20))
        done = action(datetime.date(2026, 5, 10))
        action(datetime.date(2026, 7, 1))  # not yet due
    with at(2026, 6, 10):
        ext = services.extension_request(
            actor=lead_a, action=extended, requested_due_date=datetime.date(2026, 8, 1), reason="r"
        )
        services.extension_grant(actor=silg_chair, extension=ext)
        complete(done, silg_chair, lead_a)
        today = timezone.localdate()
        figures = annual_figures(FinancialYear(2026), scope=scope_of_the_tests(), today=today)
        from_history = list(reports._open_past_due_in_history(scope_of_the_tests(), today))
    assert figures.overdue_days == [40]  # late: due 1 May, 40 days before 10 June
    assert from_history == [(late.agency_id, late.due_date)]


def test_the_page_shows_the_figures_with_their_definitions(
    client_for, partnership_officer, year_2025
):
    page = text(
        client_for(partnership_officer)
        .get(reverse("annual-report", args=[SLUG]), {"year": 2025})
        .content.decode()
    )
    assert "Figures for the annual report 2025/26" in page
    assert "Completed by their original due date 40% (2 of 5)" in page
    assert "Median days overdue 30.5 days" in page
    assert "the date first agreed, before any extension" in page


def test_the_figures_are_for_the_partnership_team_and_the_chair(client_for, personas):
    for role, status in {"partnership": 200, "chair": 200, "lead_a": 403, "no_role": 404}.items():
        assert (
            client_for(personas[role]).get(reverse("annual-report", args=[SLUG])).status_code
            == status
        )


@pytest.mark.parametrize(
    "day, start_year",
    [
        (datetime.date(2026, 3, 31), 2025),
        (datetime.date(2026, 4, 1), 2026),
        (datetime.date(2027, 1, 1), 2026),
    ],
)
def test_a_financial_year_runs_from_april_to_march(day, start_year):
    assert FinancialYear.containing(day).start_year == start_year
