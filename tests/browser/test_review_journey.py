"""A serious incident's journey in a real browser (issue 18, "How it is judged"): the
partnership team records the incident, the notification, the rapid review and the decision
to hold a local review, and the review's page shows each due date as the journey's table
counts it; axe finds nothing on the journey or its forms."""

import datetime

import pytest
from django.utils import timezone

from reviews import journey
from reviews.models import Review
from sscp.models import Partnership
from sscp.working_days import WorkingDays
from tests.browser.conftest import SOUTHAMPTON, banner, sign_in
from tests.browser.test_accessibility import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def working_days_before(days: WorkingDays, day: datetime.date, count: int) -> datetime.date:
    while count:
        day -= datetime.timedelta(days=1)
        count -= days.is_working_day(day)
    return day


def in_words(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def fill_date(page, name: str, day: datetime.date) -> None:
    page.fill(f"#id_{name}_0", str(day.day))
    page.fill(f"#id_{name}_1", str(day.month))
    page.fill(f"#id_{name}_2", str(day.year))


def due_dates(days: WorkingDays, today: datetime.date) -> dict[str, datetime.date]:
    """Each stage's due date as the journey's table counts it, for Child Z's review now."""
    return {key: state.due_on for key, state in states(days, today).items() if state.due_on}


def states(days: WorkingDays, today: datetime.date) -> dict[str, journey.StageState]:
    review = Review.objects.get(partnership__slug=SOUTHAMPTON, child_pseudonym="Child Z")
    return {state.stage.key: state for state in journey.journey(review, days, today)}


def due_hint(state: journey.StageState) -> str:
    """What the page says of an open stage: "Due 7 January 2027: 3 working days left"."""
    left = state.working_days_left
    words = "today" if left == 0 else f"{left} working day{'s' if left != 1 else ''} left"
    return f"Due {in_words(state.due_on)}: {words}"


def journey_hint(page, stage: str) -> str:
    return page.inner_text(f"#stage-{stage}-hint")


def no_axe_violations(page) -> None:
    assert axe_violations(page) == []


def test_the_team_follows_a_serious_incident_to_a_local_review(page, demo):
    today = timezone.localdate()
    days = WorkingDays.of(Partnership.objects.get(slug=SOUTHAMPTON))
    aware = working_days_before(days, today, 3)

    sign_in(page, "partnership")
    page.click(".govuk-service-navigation__link:has-text('Reviews')")
    page.click("text=Record a serious incident")
    assert page.is_visible("text=Never a real name")
    page.click("button:has-text('Record the incident')")  # nothing filled in
    assert "Enter the child's pseudonym" in page.inner_text(".govuk-error-summary")
    no_axe_violations(page)
    page.fill("#id_child_pseudonym", "Child Z")
    fill_date(page, "became_aware_on", aware)
    page.click("button:has-text('Record the incident')")
    assert banner(page) == "Serious incident “Child Z” recorded"
    due = due_dates(days, today)
    assert journey_hint(page, "incident") == f"Done {in_words(aware)} by Priya Shah"
    assert journey_hint(page, "notification") == due_hint(states(days, today)["notification"])
    assert journey_hint(page, "rapid_review") == f"Due {in_words(due['rapid_review'])}"
    no_axe_violations(page)

    # The notification went to the National Panel the day after the incident came to light.
    notified = days.add(aware, 1)
    page.click("a:has-text('Notification to the National Panel')")
    page.click("button:has-text('Save')")
    assert "Enter the date the notification was sent" in page.inner_text(".govuk-error-summary")
    no_axe_violations(page)
    fill_date(page, "notified_on", notified)
    page.click("button:has-text('Save')")
    assert banner(page) == "Notification to the National Panel recorded"
    assert journey_hint(page, "notification") == f"Done {in_words(notified)} by Priya Shah"
    assert journey_hint(page, "rapid_review") == due_hint(states(days, today)["rapid_review"])

    # The rapid review, met today and sent to the Panel.
    page.click("a:has-text('Rapid review')")
    fill_date(page, "rapid_review_started_on", notified)
    fill_date(page, "rapid_review_completed_on", today)
    fill_date(page, "rapid_review_sent_on", today)
    no_axe_violations(page)
    page.click("button:has-text('Save')")
    assert banner(page) == "Rapid review recorded"
    assert journey_hint(page, "rapid_review") == f"Done {in_words(today)} by Priya Shah"
    assert journey_hint(page, "decision") == due_hint(states(days, today)["decision"])

    # The decision to hold a local child safeguarding practice review: its rationale first
    # forgotten, then given.
    page.click("a:has-text('Decision on a local review')")
    page.check("label:has-text('Hold a local child safeguarding practice review')")
    fill_date(page, "decided_on", today)
    page.click("button:has-text('Save')")
    assert "Enter the reasons for the decision" in page.inner_text(".govuk-error-summary")
    no_axe_violations(page)
    page.fill("#id_decision_rationale", "Agencies did not share what they knew of the home.")
    page.click("button:has-text('Save')")
    assert banner(page) == "Decision on a local review recorded"
    due = due_dates(days, today)
    assert journey_hint(page, "decision") == f"Done {in_words(today)} by Priya Shah"
    assert journey_hint(page, "local_review") == due_hint(states(days, today)["local_review"])
    assert journey_hint(page, "final_report") == f"Due {in_words(due['final_report'])}"
    assert page.inner_text("#stage-local_review-status") == "Not yet due"
    assert page.inner_text("#stage-notification-status") == "Completed"
    assert "Child safeguarding practice review" in page.inner_text(".govuk-caption-l")
    page.evaluate("document.querySelector('#journey-section details').open = true")
    no_axe_violations(page)
