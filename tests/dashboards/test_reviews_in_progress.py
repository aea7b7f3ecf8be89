"""Reviews in progress on Home, and the page listing them all (issue 18, item 4): each
serious incident's review not yet finished, with its stage, its next deadline and the
working days left, late ones first, then soonest due."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from dashboards.views import SHORTLIST_SIZE
from reviews.models import Review
from tests.makers import SLUG, default_partnership, make_closure_day, make_partnership, make_review
from tests.pages import row_security_queries, text

pytestmark = pytest.mark.django_db

D = datetime.date
LOCAL = Review.Decision.LOCAL_REVIEW
NONE_HELD = Review.Decision.NO_LOCAL_REVIEW


@pytest.fixture(autouse=True)
def on_tuesday_15_december_2026():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, 0), tick=False):
        yield


def incident(pseudonym, aware, **journey):
    return make_review(
        title=pseudonym,
        kind=Review.Kind.PRACTICE_REVIEW if journey.get("decision") == LOCAL else "rapid",
        child_pseudonym=pseudonym,
        became_aware_on=aware,
        **journey,
    )


def decided(decision, **more):
    """A journey up to its decision, at the rapid review in June 2026."""
    return {
        "notified_on": D(2026, 6, 1),
        "rapid_review_started_on": D(2026, 6, 2),
        "rapid_review_completed_on": D(2026, 6, 12),
        "rapid_review_sent_on": D(2026, 6, 15),
        "decision": decision,
        "decision_rationale": "Reasons",
        "decided_on": D(2026, 6, 15),
        **more,
    }


@pytest.fixture
def incidents():
    """Hand-counted, today being Tuesday 15 December 2026 (Christmas Day and the substitute
    Boxing Day, Monday 28 December, and New Year's Day are bank holidays)."""
    incident("Child A", D(2026, 12, 14), notified_on=D(2026, 12, 14))  # rapid review: 7 Jan
    incident("Child B", D(2026, 12, 1))  # notification due 8 Dec: 5 working days late
    incident("Child C", D(2026, 12, 11))  # notification due Friday 18 December: 3 left
    incident("Child D", D(2026, 6, 1), **decided(NONE_HELD))  # the Panel's response awaited
    incident("Child G", D(2026, 6, 1), **decided(LOCAL, local_review_commissioned_on=D(2026, 7, 1)))
    # Finished: decided against with the Panel's response; published.
    incident("Child E", D(2026, 6, 1), **decided(NONE_HELD, panel_response="disagrees"))
    incident(
        "Child F",
        D(2026, 6, 1),
        **decided(
            LOCAL,
            local_review_commissioned_on=D(2026, 7, 1),
            local_review_completed_on=D(2026, 11, 2),
            final_report_received_on=D(2026, 11, 3),
            final_report_sent_on=D(2026, 11, 4),
            published_on=D(2026, 11, 20),
        ),
    )
    make_review(title="Thematic audit of neglect", kind=Review.Kind.THEMATIC_AUDIT)
    incident_elsewhere = make_review(
        partnership=make_partnership("elsewhere"),
        title="Child Z",
        child_pseudonym="Child Z",
        became_aware_on=D(2026, 12, 1),
    )
    return incident_elsewhere


def home(client):
    return text(client.get(reverse("home", args=[SLUG])).content.decode())


def section(page):
    """Home's reviews in progress, up to the next role's section."""
    start = page.index("Reviews in progress")
    return page[start : page.index("For the ", start)]


EXPECTED_ROWS = [
    "Child B Notification to the National Panel 8 December 2026 5 working days overdue",
    "Child G Local child safeguarding practice review 15 December 2026 Due today",
    "Child C Notification to the National Panel 18 December 2026 3 working days left",
    "Child A Rapid review 7 January 2027 14 working days left",
    "Child D Awaiting the National Panel's response None set Not counted",
]


@pytest.mark.parametrize("persona", ["partnership", "chair"])
def test_the_team_and_the_chair_see_each_review_in_progress_late_first(
    persona, personas, client_for, incidents
):
    page = section(home(client_for(personas[persona])))
    assert "late ones first, then soonest due" in page
    assert "Review Stage Next deadline Working days left " + " ".join(EXPECTED_ROWS) in page
    for finished in ["Child E", "Child F", "Thematic audit", "Child Z"]:
        assert finished not in page


def test_an_agency_lead_sees_no_reviews_in_progress(client_for, lead_a, incidents):
    assert "Reviews in progress" not in home(client_for(lead_a))
    page = reverse("reviews-in-progress", args=[SLUG])
    assert client_for(lead_a).get(page).status_code == 403


def test_with_none_in_progress_home_says_so(client_for, silg_chair):
    page = section(home(client_for(silg_chair)))
    assert "No review of a serious incident is in progress." in page


def test_a_closure_day_of_the_partnership_moves_the_deadline(client_for, silg_chair, incidents):
    make_closure_day(
        partnership=default_partnership(), date=D(2026, 12, 16), reason="Office closed"
    )
    make_closure_day(partnership=incidents.partnership, date=D(2026, 12, 17), reason="x")
    page = section(home(client_for(silg_chair)))
    assert "Child C Notification to the National Panel 21 December 2026 3 working days left" in (
        page
    )


def test_a_deadline_passed_over_a_weekend_is_overdue(client_for, silg_chair):
    incident("Child H", D(2026, 12, 4))  # notification due Friday 11 December
    with time_machine.travel(datetime.datetime(2026, 12, 12, 12, 0), tick=False):
        page = section(home(client_for(silg_chair)))
    assert "Child H Notification to the National Panel 11 December 2026 Overdue" in page


def test_home_shows_the_first_few_and_links_to_them_all(client_for, silg_chair):
    for n in range(SHORTLIST_SIZE + 2):
        incident(f"Child {n:02}", D(2026, 12, 1) + datetime.timedelta(days=n))
    client = client_for(silg_chair)
    html = client.get(reverse("home", args=[SLUG])).content.decode()
    shown = html[html.index('id="in-progress-heading"') : html.index('id="chair-heading"')]
    assert shown.count('<tr class="govuk-table__row">') == SHORTLIST_SIZE + 1  # and the head
    assert f"See all {SHORTLIST_SIZE + 2} reviews in progress" in shown
    link = re.search(r'href="([^"]+)">See all \d+ reviews in progress', shown).group(1)
    assert link == reverse("reviews-in-progress", args=[SLUG])
    listed = text(client.get(link).content.decode())
    assert f"{SHORTLIST_SIZE + 2} reviews in progress." in listed
    assert listed.index("Child 00") < listed.index(f"Child {SHORTLIST_SIZE + 1:02}")


def test_the_whole_list_has_the_same_rows_as_home(client_for, partnership_officer, incidents):
    page = client_for(partnership_officer).get(reverse("reviews-in-progress", args=[SLUG]))
    assert page.status_code == 200
    listed = text(page.content.decode())
    assert "5 reviews in progress." in listed
    assert " ".join(EXPECTED_ROWS) in listed
    assert "Child Z" not in listed


def test_the_list_is_read_only(client_for, partnership_officer):
    page = reverse("reviews-in-progress", args=[SLUG])
    assert client_for(partnership_officer).post(page).status_code == 405


def many_incidents(count):
    for n in range(count):
        stage = n % 3
        journey = {}
        if stage >= 1:
            journey = {"notified_on": D(2026, 12, 2)}
        if stage == 2:
            journey = decided(LOCAL, local_review_commissioned_on=D(2026, 7, 1))
        incident(f"Child {n}", D(2026, 12, 1), **journey)
    make_closure_day(partnership=default_partnership(), date=D(2026, 12, 24), reason="x")


# What Home reads for each of them (tests/dashboards/test_home.py), the reviews in progress
# and their partnerships' closure days among it.
HOME_QUERIES = {"partnership": 11, "chair": 9}


@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize("persona", ["partnership", "chair"])
def test_a_fixed_number_of_queries_however_many_reviews(
    count, persona, personas, client_for, django_assert_max_num_queries
):
    many_incidents(count)
    client = client_for(personas[persona])
    with django_assert_max_num_queries(HOME_QUERIES[persona] + row_security_queries()):
        assert client.get(reverse("home", args=[SLUG])).status_code == 200
    with django_assert_max_num_queries(5 + row_security_queries()):
        assert client.get(reverse("reviews-in-progress", args=[SLUG])).status_code == 200
