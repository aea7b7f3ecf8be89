"""
Annual report figures against a small fixture whose answers were worked out by hand.

The financial year is 2025/26: 1 April 2025 to 31 March 2026. Comments give the
hand-counted answer each event contributes.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions import counts, reports, services
from actions.models import Action, SignOffDecision
from actions.reports import FinancialYear, annual_figures
from reviews import services as review_services
from reviews.models import Recommendation
from sscp.scope import Scope
from tests.makers import (
    SLUG,
    agency_of,
    default_partnership,
    make_action,
    make_agency,
    make_closure_day,
    make_evidence,
    make_partnership,
    make_recommendation,
    make_review,
    make_theme,
    share_review,
)
from tests.pages import plans_as_read, text


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
    # Overdue by b3 10 days, b1 30, b7 (as it stood) 31, b2 60.
    assert figures.overdue_by_days == {10: 1, 30: 1, 31: 1, 60: 1}
    assert figures.overdue_at_year_end == 4
    assert figures.median_days_overdue == 30.5
    assert figures.overdue_by_agency == [("Agency A", 2), ("Y", 2)]
    assert figures.recurring_themes == [("Domestic abuse", 2), ("Neglect", 2)]


def test_a_recommendation_withdrawn_as_logged_in_error_was_not_made(year_2025, partnership_officer):
    made = Recommendation.objects.filter(review__title="Alpha").first()
    services.withdraw(actor=partnership_officer, record=made, reason="Logged in error")
    figures = annual_figures(
        FinancialYear(2025), scope=scope_of_the_tests(), today=datetime.date(2026, 11, 29)
    )
    assert figures.recommendations_made == 2
    assert [r.title for r in figures.reviews_published] == ["Alpha", "Beta"]


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
        by_due_date, by_agency = reports._open_past_due_in_history(scope_of_the_tests(), today)
    assert figures.overdue_by_days == {40: 1}  # late: due 1 May, 40 days before 10 June
    assert figures.overdue_by_agency == [(late.agency.short_name, 1)]
    assert (by_due_date, by_agency) == ({late.due_date: 1}, {late.agency.short_name: 1})


def completed(year: FinancialYear, scope=None) -> tuple[int, int]:
    figures = annual_figures(year, scope=scope or scope_of_the_tests(), today=timezone.localdate())
    assert counts.drift() == []
    return figures.actions_completed, figures.completed_on_time


def test_an_action_approved_again_counts_once_a_year_as_its_last_approval_says(silg_chair, lead_a):
    with at(2026, 5, 1):
        action = make_action(
            agency=agency_of(lead_a), due_date=datetime.date(2026, 6, 1), status="in_progress"
        )
        complete(action, silg_chair, lead_a)
        assert completed(FinancialYear(2026)) == (1, 1)  # by its due date
    with at(2026, 7, 1):
        services.action_reopen(
            actor=silg_chair, action=action, reason="Gaps", due_date=datetime.date(2026, 8, 1)
        )
        assert completed(FinancialYear(2026)) == (1, 1)  # reopened: its approval stands
        complete(action, silg_chair, lead_a)
        assert completed(FinancialYear(2026)) == (1, 0)  # once, late against 1 June
    with at(2027, 4, 5):
        services.action_reopen(
            actor=silg_chair, action=action, reason="Again", due_date=datetime.date(2027, 5, 1)
        )
        complete(action, silg_chair, lead_a)
        assert completed(FinancialYear(2027)) == (1, 0)  # next year counts it too
        assert completed(FinancialYear(2026)) == (1, 0)


def test_an_approval_recorded_out_of_order_leaves_the_later_one_counted(silg_chair, lead_a):
    """The last approval in the year counts, whichever was recorded first (a story loaded,
    a decision kept from elsewhere)."""
    with at(2026, 5, 1):
        action = make_action(
            agency=agency_of(lead_a), due_date=datetime.date(2026, 6, 1), status="in_progress"
        )
        complete(action, silg_chair, lead_a)  # on time
    SignOffDecision.objects.create(
        action=action,
        outcome=SignOffDecision.Outcome.APPROVED,
        decided_by=silg_chair,
        decided_at=datetime.datetime(2026, 4, 10, tzinfo=UTC),  # earlier, also on time
    )
    with at(2026, 5, 2):
        assert completed(FinancialYear(2026)) == (1, 1)
    SignOffDecision.objects.create(
        action=action,
        outcome=SignOffDecision.Outcome.APPROVED,
        decided_by=silg_chair,
        decided_at=datetime.datetime(2026, 9, 1, tzinfo=UTC),  # later: late
    )
    with at(2026, 9, 2):
        assert completed(FinancialYear(2026)) == (1, 0)


def test_an_action_withdrawn_leaves_every_year_it_was_approved_in(
    silg_chair, lead_a, partnership_officer
):
    with at(2026, 3, 1):
        action = make_action(
            agency=agency_of(lead_a), due_date=datetime.date(2026, 6, 1), status="in_progress"
        )
        complete(action, silg_chair, lead_a)
    with at(2026, 5, 1):
        services.action_reopen(
            actor=silg_chair, action=action, reason="Gaps", due_date=datetime.date(2026, 8, 1)
        )
        complete(action, silg_chair, lead_a)
        assert completed(FinancialYear(2025)) == (1, 1)
        assert completed(FinancialYear(2026)) == (1, 1)
        services.withdraw(actor=partnership_officer, record=action, reason="Logged in error")
        assert completed(FinancialYear(2025)) == (0, 0)
        assert completed(FinancialYear(2026)) == (0, 0)


def test_a_joint_reviews_actions_count_in_each_partnership_of_it(silg_chair, lead_a):
    """Kept in the tallies of the review's own partnership; another partnership of the
    review counts them from the actions shared with it."""
    other = make_partnership("beta")
    review = share_review(make_review(title="Joint"), other)
    other.refresh_from_db()  # the reviews shared with it
    recommendation = make_recommendation(review, agencies=[agency_of(lead_a)])
    with at(2026, 5, 1):
        late = make_action(
            recommendation, agency=agency_of(lead_a), due_date=datetime.date(2026, 4, 1)
        )
        done = make_action(
            recommendation,
            agency=agency_of(lead_a),
            due_date=datetime.date(2026, 6, 1),
            status="in_progress",
        )
        complete(done, silg_chair, lead_a)
        theirs = Scope.of([other])
        assert completed(FinancialYear(2026), theirs) == (1, 1)
        figures = annual_figures(FinancialYear(2026), scope=theirs, today=timezone.localdate())
        assert figures.overdue_by_days == {30: 1}
        assert figures.overdue_by_agency == [(late.agency.short_name, 1)]
        both = Scope.of([default_partnership(), other])
        assert completed(FinancialYear(2026), both) == (1, 1)  # once, not for each


# The index each of the year's counts is read from alone, with the row-level policy's
# columns (a joint review's rows are read through the review): by table.
COUNTED_FROM = {
    "reviews_recommendation": "recommendation_closed",
    "actions_extensionrequest": "extension_granted",
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_years_closures_and_extensions_are_read_from_indexes_alone(
    migrated_data, year_2025, client_for, silg_chair
):
    with connection.cursor() as cursor:  # the tables' pages all-visible, as autovacuum keeps them
        for table in COUNTED_FROM:
            cursor.execute(f"VACUUM ANALYZE {table}")
    with CaptureQueriesContext(connection) as queries:
        page = client_for(silg_chair).get(reverse("annual-report", args=[SLUG]), {"year": 2025})
    assert page.status_code == 200
    counts = {
        table: sql
        for query in queries.captured_queries
        for table in COUNTED_FROM
        if f'FROM "{table}"' in (sql := query["sql"]) and "COUNT(" in sql
    }
    assert counts.keys() == COUNTED_FROM.keys()
    plans = plans_as_read(counts.values(), partnership=default_partnership(), user=silg_chair)
    for table, plan in zip(counts, plans, strict=True):
        assert f"Index Only Scan using {COUNTED_FROM[table]} on {table}" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_years_to_choose_from_start_at_the_earliest_each_index_gives(
    migrated_data, year_2025, client_for, silg_chair
):
    """Not every review of the partnership read for the earliest published and known of."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reviews_review")
    with CaptureQueriesContext(connection) as queries:
        page = client_for(silg_chair).get(reverse("annual-report", args=[SLUG]), {"year": 2025})
    assert page.status_code == 200
    [earliest] = [q["sql"] for q in queries.captured_queries if "MIN(" in q["sql"]]
    [plan] = plans_as_read([earliest], partnership=default_partnership(), user=silg_chair)
    assert "Index Scan Backward using review_listed on reviews_review" in plan, plan
    assert "Index Only Scan using review_became_aware on reviews_review" in plan, plan
    assert plan.count("Limit") == 2, plan  # the first row of each, and no more


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


# The National Panel's measures of serious incidents (issue 18, item 5) ------------------
#
# The financial year 2025/26 runs from Tuesday 1 April 2025 to Tuesday 31 March 2026.
# Working days leave out weekends, bank holidays in England and Wales (Good Friday 18 April
# and Easter Monday 21 April 2025; Christmas Day 25 and Boxing Day 26 December 2025; New
# Year's Day 1 January 2026; Good Friday 3 April and Easter Monday 6 April 2026) and the
# partnership's closure days: ours closes on Monday 29 December 2025.

D = datetime.date
LOCAL = "local_review"
NONE_HELD = "no_local_review"


def incident(title, partnership=None, **journey):
    kind = "cspr" if journey.get("decision") == LOCAL else "rapid"
    return make_review(
        title=title,
        kind=kind,
        child_pseudonym=title,
        partnership=partnership or default_partnership(),
        **journey,
    )


@pytest.fixture
def incidents_2025():

    make_closure_day(
        partnership=default_partnership(), date=D(2025, 12, 29), reason="Office closed"
    )
    # A: aware Monday 22 December; notification due Friday 2 January (23, 24, 30, 31
    # December, 2 January: the closure day moves it); sent that day: in time. Rapid review
    # due 15 working days after, Friday 23 January; sent that day: in time. Decided on a
    # local review that day; the Panel agreed.
    incident(
        "Child A", became_aware_on=D(2025, 12, 22), notified_on=D(2026, 1, 2),
        rapid_review_started_on=D(2026, 1, 5), rapid_review_sent_on=D(2026, 1, 23),
        decision=LOCAL, decided_on=D(2026, 1, 23), panel_response="agrees",
        panel_response_on=D(2026, 2, 20),
    )  # fmt: skip
    # B: aware Wednesday 17 December; notification due Wednesday 24 December, sent 30
    # December: late. Rapid review due 15 working days from 30 December: 21 January; sent
    # 22 January: late. Decided against a local review: not a decision counted.
    incident(
        "Child B", became_aware_on=D(2025, 12, 17), notified_on=D(2025, 12, 30),
        rapid_review_started_on=D(2026, 1, 5), rapid_review_sent_on=D(2026, 1, 22),
        decision=NONE_HELD, decided_on=D(2026, 1, 22),
    )  # fmt: skip
    # C: aware Monday 23 March 2026; notification due Monday 30 March, sent on the year's
    # last day, 31 March: in the year, late. Its rapid review (due Thursday 23 April, past
    # Easter) went on 20 April: next year's, in time.
    incident(
        "Child C", became_aware_on=D(2026, 3, 23), notified_on=D(2026, 3, 31),
        rapid_review_started_on=D(2026, 4, 1), rapid_review_sent_on=D(2026, 4, 20),
    )  # fmt: skip
    # D: aware Thursday 27 March 2025 (last year); notified on the year's first day, 1 April,
    # due 3 April: in time. Rapid review due Thursday 24 April 2025 (past Easter 2025), sent
    # that day: in time. Local review decided 24 April 2025, the Panel did not agree;
    # completed Friday 24 October 2025, its six months' last day: in time. Published in
    # February 2026.
    incident(
        "Child D", became_aware_on=D(2025, 3, 27), notified_on=D(2025, 4, 1),
        rapid_review_started_on=D(2025, 4, 2), rapid_review_sent_on=D(2025, 4, 24),
        decision=LOCAL, decided_on=D(2025, 4, 24), panel_response="disagrees",
        panel_response_on=D(2025, 5, 20), local_review_commissioned_on=D(2025, 5, 1),
        local_review_completed_on=D(2025, 10, 24), final_report_received_on=D(2025, 11, 1),
        final_report_sent_on=D(2026, 1, 12), published_on=D(2026, 2, 2),
    )  # fmt: skip
    # E: all last year's but its local review, decided 27 January 2025 and due Monday 28 July
    # 2025 (27 July is a Sunday); completed 1 September 2025: late. Published 1 April 2026:
    # next year's.
    incident(
        "Child E", became_aware_on=D(2025, 1, 2), notified_on=D(2025, 1, 6),
        rapid_review_started_on=D(2025, 1, 7), rapid_review_sent_on=D(2025, 1, 27),
        decision=LOCAL, decided_on=D(2025, 1, 27), panel_response="agrees",
        local_review_commissioned_on=D(2025, 2, 3), local_review_completed_on=D(2025, 9, 1),
        final_report_received_on=D(2025, 9, 2), final_report_sent_on=D(2026, 3, 2),
        published_on=D(2026, 4, 1),
    )  # fmt: skip
    # F: aware Tuesday 10 March 2026; notified 12 March (due 17 March): in time; rapid review
    # due 2 April, sent 31 March: in time. Local review decided 31 March: no response yet.
    incident(
        "Child F", became_aware_on=D(2026, 3, 10), notified_on=D(2026, 3, 12),
        rapid_review_started_on=D(2026, 3, 13), rapid_review_sent_on=D(2026, 3, 31),
        decision=LOCAL, decided_on=D(2026, 3, 31),
    )  # fmt: skip
    # A practice review logged without its incident, published in the year: a report
    # published. A thematic audit published in the year: not a practice review's report.
    make_review(title="Logged practice review", kind="cspr", published_on=D(2025, 10, 10))
    make_review(title="Audit", kind="thematic", published_on=D(2025, 10, 10))
    # Another partnership's incidents: none of ours. It has no closure day, so its own
    # notification, on A's dates, was late.
    elsewhere = make_partnership("elsewhere")
    incident(
        "Child Z", partnership=elsewhere, became_aware_on=D(2025, 12, 22),
        notified_on=D(2026, 1, 2), rapid_review_started_on=D(2026, 1, 5),
        rapid_review_sent_on=D(2026, 1, 23), decision=LOCAL, decided_on=D(2026, 1, 23),
        panel_response="agrees", local_review_commissioned_on=D(2026, 1, 26),
        local_review_completed_on=D(2026, 2, 2), final_report_received_on=D(2026, 2, 2),
        final_report_sent_on=D(2026, 2, 3), published_on=D(2026, 3, 2),
    )  # fmt: skip
    return elsewhere


def test_the_panels_measures_match_the_hand_count(incidents_2025):
    panel = annual_figures(
        FinancialYear(2025), scope=scope_of_the_tests(), today=D(2026, 11, 29)
    ).panel
    assert (panel.notifications, panel.notified_on_time) == (5, 3)  # A, D, F of A-D, F
    assert panel.notified_on_time_percent == 60
    assert (panel.rapid_reviews, panel.rapid_reviews_on_time) == (4, 3)  # A, D, F of A, B, D, F
    assert panel.rapid_reviews_on_time_percent == 75
    assert panel.local_review_decisions == 3  # A, D, F
    assert (panel.panel_responses, panel.panel_agreed) == (2, 1)  # A agreed, D did not
    assert panel.panel_agreed_percent == 50
    assert (panel.local_reviews_completed, panel.local_reviews_on_time) == (2, 1)  # D; E late
    assert panel.reports_published == 2  # D, the logged practice review


def test_the_next_year_counts_what_crossed_the_boundary(incidents_2025):
    panel = annual_figures(
        FinancialYear(2026), scope=scope_of_the_tests(), today=D(2026, 11, 29)
    ).panel
    assert (panel.notifications, panel.rapid_reviews, panel.rapid_reviews_on_time) == (0, 1, 1)
    assert panel.reports_published == 1  # E, on 1 April 2026
    assert panel.notified_on_time_percent is None


def test_each_partnership_counts_its_own_incidents_in_its_own_working_days(incidents_2025):
    panel = annual_figures(
        FinancialYear(2025), scope=Scope.of([incidents_2025]), today=D(2026, 11, 29)
    ).panel
    assert (panel.notifications, panel.notified_on_time) == (1, 0)  # due 31 December
    assert (panel.rapid_reviews, panel.rapid_reviews_on_time) == (1, 1)
    assert (panel.local_reviews_completed, panel.local_reviews_on_time) == (1, 1)
    assert panel.reports_published == 1


def test_rapid_reviews_counted_from_awareness_when_the_setting_says_so(incidents_2025, settings):
    settings.RAPID_REVIEW_COUNTED_FROM = "awareness"
    panel = annual_figures(
        FinancialYear(2025), scope=scope_of_the_tests(), today=D(2026, 11, 29)
    ).panel
    # Due 15 working days from awareness: A 16 January, B 13 January, D 17 April 2025,
    # F 31 March 2026: only F in time.
    assert (panel.rapid_reviews, panel.rapid_reviews_on_time) == (4, 1)
    assert "sent within 15 working days of the day the local authority became aware" in str(
        reports.FIGURE_DEFINITIONS["rapid_reviews_on_time"]
    )


def test_the_years_figures_take_a_bounded_number_of_queries(incidents_2025):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = scope_of_the_tests()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            figures = reports.count_annual_figures(FinancialYear(2025), scope=scope)
        return len(captured), figures.panel.notifications

    few, notified = queries()
    for n in range(30):
        incident(f"Child {n}", became_aware_on=D(2025, 6, 2), notified_on=D(2025, 6, 3))
    # The Panel's reviews are read with those published in the year, in one query; the
    # partnerships' closure dates are in scope.
    assert queries() == (few, notified + 30)
    # Reviews; closures; completions; extensions; overdue; their agencies' names (none
    # here); themes; learning activities.
    assert few <= 8


def test_the_page_shows_the_panels_measures_with_their_definitions(
    client_for, silg_chair, incidents_2025
):
    page = text(
        client_for(silg_chair)
        .get(reverse("annual-report", args=[SLUG]), {"year": 2025})
        .content.decode()
    )
    assert "Serious incidents: the National Panel's measures" in page
    for shown in [
        "Notifications to the National Panel 5 Serious incidents notified",
        "Notifications sent within 5 working days 60% (3 of 5) Of those, the share sent "
        "within 5 working days of the day the local authority became aware.",
        "Rapid reviews sent to the Panel 4 Rapid reviews whose date sent",
        "Rapid reviews sent within 15 working days 75% (3 of 4) Of those, the share sent "
        "within 15 working days of the notification as sent",
        "Decisions to hold a local review 3 Decisions to hold",
        "The Panel agreed 50% (1 of 2 responses)",
        "Local reviews completed 2 Local child safeguarding practice reviews whose "
        "completion date falls in the year.",
        "Local reviews completed within 6 months 50% (1 of 2) Of those, the share completed "
        "within 6 months of the decision",
        "Practice review reports published 2 Child safeguarding practice reviews whose "
        "publication date falls in the year",
        "the review's partnership's closure days",
    ]:
        assert shown in page


def test_a_year_with_incidents_but_nothing_published_can_be_chosen(silg_chair):
    incident("Child A", became_aware_on=D(2024, 12, 2), notified_on=D(2024, 12, 3))
    years = reports.years_with_data(scope_of_the_tests(), D(2026, 5, 1))
    assert [year.start_year for year in years] == [2026, 2025, 2024]


# Downloads for the board (issue 20, item 5) ---------------------------------------------


def _downloaded_csv(response) -> list[list[str]]:
    import csv
    import io

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_figures_download_as_csv_and_xlsx_with_the_pages_numbers(
    client_for, partnership_officer, year_2025
):
    import io

    from openpyxl import load_workbook

    client = client_for(partnership_officer)
    response = client.get(reverse("annual-report-csv", args=[SLUG]), {"year": 2025})
    assert response.status_code == 200
    assert 'filename="annual-figures-2025-26.csv"' in response["Content-Disposition"]
    rows = _downloaded_csv(response)
    assert rows[0] == ["Section", "Figure", "Value", "What it counts"]
    by_figure = {row[1]: row[2] for row in rows[1:]}
    assert by_figure["Actions completed"] == "5"
    assert by_figure["Completed by their original due date (%)"] == "40"
    assert by_figure["Median days overdue"] == "30.5"
    assert by_figure["Agency A"] == "2" and by_figure["Neglect"] == "2"
    assert by_figure["Alpha (child safeguarding practice review)"] == "May 2025"

    response = client.get(reverse("annual-report-xlsx", args=[SLUG]), {"year": 2025})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Actions completed"] == 5  # a number, not text
    assert values["Median days overdue"] == 30.5


def test_the_page_names_twenty_reviews_and_the_downloads_every_one(client_for, silg_chair):
    for day in range(1, 26):
        make_review(title=f"Review {day:02}", published_on=datetime.date(2025, 5, day))
    client = client_for(silg_chair)
    page = text(client.get(reverse("annual-report", args=[SLUG]), {"year": 2025}).content.decode())
    assert "Reviews published 25: Review 01 (" in page
    assert "Review 20 (" in page and "Review 21" not in page
    assert "; and 5 more, each named in the downloads" in page
    response = client.get(reverse("annual-report-csv", args=[SLUG]), {"year": 2025})
    named = [
        row[1] for row in _downloaded_csv(response) if row[0] == "Reviews published in the year"
    ]
    assert len(named) == 25 and named[-1].startswith("Review 25 (")


def test_the_downloads_are_for_the_partnership_team_and_the_chair(client_for, personas):
    for name in ["annual-report-csv", "annual-report-xlsx"]:
        for role, status in {
            "partnership": 200,
            "chair": 200,
            "lead_a": 403,
            "no_role": 404,
        }.items():
            assert client_for(personas[role]).get(reverse(name, args=[SLUG])).status_code == status
