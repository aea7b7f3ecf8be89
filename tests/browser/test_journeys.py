"""The three journeys end to end in a real browser, asserting what each person sees."""

import datetime

import pytest
from django.utils import timezone

from actions.models import Action, Evidence
from tests.browser.conftest import banner, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIDENCE = "fixtures/evidence/sandstories-training-attendance.pdf"


def test_from_review_to_closed_recommendation(page, demo):
    due = timezone.localdate() + datetime.timedelta(days=90)

    # The partnership team logs a review, a recommendation and an action for the council.
    sign_in(page, "partnership")
    page.click(".govuk-service-navigation__link:has-text('Reviews')")
    page.click("text=Log a review")
    page.fill("#id_title", "Amira")
    page.check("label:has-text('Child safeguarding practice review')")
    page.click("button:has-text('Save the review')")
    assert banner(page) == "Review “Amira” saved"
    page.click("text=Add a recommendation")
    assert page.input_value("#id_number") == "1"
    page.fill(
        "#id_text",
        "Agencies should share concerns about unseen adults at the first strategy meeting.",
    )
    page.check("label:has-text('Southampton City Council')")
    page.click("button:has-text('Save the recommendation')")
    assert banner(page) == "Recommendation 1 saved"
    page.click("text=Plan an action")
    page.select_option("#id_agency", label="Southampton City Council")
    page.select_option("#id_owner", label="Tom Okafor (Council)")
    page.fill("#id_title", "Add unseen adults to the strategy meeting agenda")
    page.fill("#id_description", "Change the agenda template and brief chairs.")
    page.fill("#id_success_measure", "Audit of 20 meetings shows the question asked in 18.")
    page.fill("#id_due_date_0", str(due.day))
    page.fill("#id_due_date_1", str(due.month))
    page.fill("#id_due_date_2", str(due.year))
    page.click("button:has-text('Plan the action')")
    assert (
        banner(page) == "Action “Add unseen adults to the strategy meeting agenda” planned for "
        "Southampton City Council"
    )
    action_url = page.url
    assert "Not started" in page.inner_text(".govuk-body .govuk-tag >> nth=0")

    # The council's lead uploads evidence and submits it.
    sign_in(page, "lead-council")
    page.goto(action_url)
    page.click("text=Upload evidence")
    page.set_input_files("#id_files", EVIDENCE)
    page.fill("#id_description", "Revised agenda template")
    page.click("button:has-text('Upload')")
    assert banner(page) == "Evidence uploaded"
    assert page.is_visible("text=sandstories-training-attendance.pdf")
    page.click("text=Submit for sign-off")
    page.fill("#id_completion_statement", "The agenda now asks about every adult in the household.")
    page.click("button:has-text('Submit for sign-off')")
    assert banner(page) == "Submitted to the SILG chair for sign-off"

    # The SILG chair returns it with a comment.
    sign_in(page, "silg-chair")
    page.click(".govuk-service-navigation__link:has-text('Awaiting sign-off')")
    page.click("text=Add unseen adults to the strategy meeting agenda")
    assert page.is_visible("text=The agenda now asks about every adult in the household.")
    page.check("label:has-text('Return it to the agency')")
    page.click("button:has-text('Record the decision')")
    assert "Enter a comment saying what the agency needs to do" in page.inner_text(
        ".govuk-error-summary"
    )
    page.fill("#id_comment", "Please add the briefing note sent to chairs.")
    page.click("button:has-text('Record the decision')")
    assert banner(page) == "Returned to the agency with your comment"

    # The lead sees the comment first, answers it, and resubmits.
    sign_in(page, "lead-council")
    page.goto(action_url)
    returned = page.locator(".govuk-notification-banner", has_text="Returned by the SILG chair")
    assert "Please add the briefing note sent to chairs." in returned.inner_text()
    page.click("text=Post a progress update")
    page.fill("#id_text", "Briefing note attached.")
    page.click("button:has-text('Post update')")
    page.click("text=Upload evidence")
    page.set_input_files("#id_files", "fixtures/evidence/public-protection-briefing-note.txt")
    page.fill("#id_description", "Briefing note to chairs")
    page.click("button:has-text('Upload')")
    page.click("text=Submit for sign-off")
    page.fill("#id_completion_statement", "Agenda changed and chairs briefed; note attached.")
    page.click("button:has-text('Submit for sign-off')")
    assert banner(page) == "Submitted to the SILG chair for sign-off"

    # The chair approves, then closes the recommendation.
    sign_in(page, "silg-chair")
    page.goto(action_url)
    page.click("text=Sign off or return")
    page.check("label:has-text('Approve: the action is completed')")
    page.click("button:has-text('Record the decision')")
    assert banner(page) == "Approved: the action is completed"
    assert "By Helen Marsh" in page.inner_text(".govuk-summary-list")
    page.click(".govuk-breadcrumbs__link:has-text('Recommendation 1')")
    page.click("text=Close the recommendation")
    page.fill("#id_impact_statement", "Unseen adults are now discussed at every strategy meeting.")
    page.click("button:has-text('Close the recommendation')")
    assert banner(page) == "Recommendation 1 closed"

    # The timeline shows every step, with who and why.
    page.goto(action_url)
    page.click("text=See the full timeline of this action")
    timeline = page.inner_text("main")
    steps = [
        "Created: Action “Add unseen adults to the strategy meeting agenda”",
        "Why: Action planned",
        "Created: Evidence “sandstories-training-attendance.pdf”",
        "Status: Not started → In progress",
        "Why: Submitted for sign-off",
        "Why: Returned to the agency: Please add the briefing note sent to chairs.",
        "Created: Progress update",
        "Completion statement: The agenda now asks about every adult in the household. → Agenda",
        "Why: Approved",
        "Status: Submitted for sign-off → Completed",
    ]
    positions = [timeline.index(step) for step in steps]
    assert positions == sorted(positions)
    for name in ["Priya Shah", "Tom Okafor", "Helen Marsh"]:
        assert name in timeline

    # A lead of another agency reads the action but cannot reach its evidence.
    sign_in(page, "lead-police")
    page.goto(action_url)
    assert page.is_visible(
        "text=Evidence for this action can be seen only by leads of Southampton City Council"
    )
    assert page.locator("a[href*='/evidence/']").count() == 0
    action = Action.objects.get(title="Add unseen adults to the strategy meeting agenda")
    evidence = Evidence.objects.filter(action=action).first()
    response = page.goto(f"/southampton/evidence/{evidence.pk}/download/")
    assert response.status == 404
    assert page.inner_text("h1") == "Page not found"
