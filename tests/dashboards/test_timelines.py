"""Timelines of a review, a recommendation and an action: who, when, what changed, why."""

import pytest
from django.urls import reverse

from actions import services
from reviews import services as review_services
from tests.makers import SLUG, agency_of, default_partnership, make_action, make_evidence, make_lead
from tests.pages import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(partnership_officer, silg_chair, lead_a, agency_b):
    """An action taken from planning to sign-off, and an action of another agency."""
    review = review_services.review_save(
        partnership=default_partnership(), actor=partnership_officer, title="Clare", kind="scr"
    )
    recommendation = review_services.recommendation_save(
        actor=partnership_officer,
        review=review,
        number=1,
        text="Train",
        agencies=[agency_of(lead_a), agency_b],
    )
    action = services.action_create(
        actor=partnership_officer,
        recommendation=recommendation,
        agency=agency_of(lead_a),
        owner=lead_a,
        title="Commission training",
        description="d",
        success_measure="m",
        due_date=review.created_at.date(),
    )
    make_evidence(action, name="attendance.pdf", uploaded_by=lead_a)
    services.action_submit(actor=lead_a, action=action, completion_statement="Done")
    services.action_return(actor=silg_chair, action=action, comment="Add the register")
    services.action_submit(actor=lead_a, action=action, completion_statement="Register added")
    services.action_approve(actor=silg_chair, action=action)
    other = make_action(recommendation, agency=agency_b, title="Other agency's action")
    make_evidence(other, name="secret-b.pdf")
    return review, recommendation, action, other


def test_the_action_timeline_tells_the_whole_story(client_for, silg_chair, story):
    _, _, action, _ = story
    page = text(
        client_for(silg_chair)
        .get(reverse("action-timeline", args=[SLUG, action.pk]))
        .content.decode()
    )
    steps = [
        "Created: Action “Commission training”",
        "Why: Action planned",
        "Created: Evidence “attendance.pdf” on “Commission training”",
        "Status: Not started → Submitted for sign-off",
        "Why: Returned to the agency: Add the register",
        "Outcome: (none) → Returned to the agency",
        "Completion statement: Done → Register added",
        "Why: Approved",
        "Status: Submitted for sign-off → Completed",
        "Completed by: (none) → Sam Chair",
    ]
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Alex Lead" in page and "Sam Chair" in page and "Pat Officer" in page


def test_the_recommendation_timeline_names_related_records_and_links(client_for, silg_chair, story):
    _, recommendation, _, _ = story
    response = client_for(silg_chair).get(
        reverse("recommendation-timeline", args=[SLUG, recommendation.pk])
    )
    page = text(response.content.decode())
    assert "Owning agencies: (none) → Agency A, Agency B" in page
    assert "Recommendation: (none) → Clare recommendation 1" in page
    assert "Action “Commission training”" in page and "Action “Other agency's action”" in page


def test_an_agency_lead_never_sees_another_agencys_history(client_for, lead_a, story):
    review, recommendation, action, other = story
    client = client_for(lead_a)
    review_page = client.get(reverse("review-timeline", args=[SLUG, review.pk])).content.decode()
    assert "Review “Clare”" in review_page and "Commission training" in review_page
    assert "secret-b.pdf" not in review_page and "Other agency" not in review_page
    other_page = client.get(reverse("action-timeline", args=[SLUG, other.pk])).content.decode()
    assert "secret-b.pdf" not in other_page
    assert "Nothing has been recorded that you can see." in other_page


def test_timelines_are_linked_from_each_page(client_for, lead_a, story):
    review, recommendation, action, _ = story
    client = client_for(lead_a)
    assert (
        reverse("review-timeline", args=[SLUG, review.pk])
        in client.get(review.get_absolute_url()).content.decode()
    )
    rec_page = client.get(recommendation.get_absolute_url()).content.decode()
    assert reverse("recommendation-timeline", args=[SLUG, recommendation.pk]) in rec_page
    action_page = client.get(action.get_absolute_url()).content.decode()
    assert reverse("action-timeline", args=[SLUG, action.pk]) in action_page
    assert "Why: Approved" in action_page  # the latest changes, on the page itself


def test_a_timeline_of_something_that_does_not_exist_is_not_found(client_for, lead_a):
    assert client_for(lead_a).get(reverse("action-timeline", args=[SLUG, 99999])).status_code == 404


def test_a_lead_of_another_agency_sees_the_action_but_not_its_history(client_for, agency_b, story):
    _, _, action, _ = story
    lead_b = make_lead(agency_b, "lead-b2")
    page = client_for(lead_b).get(action.get_absolute_url()).content.decode()
    assert "Commission training" in page
    assert "The history of this action can be seen by leads of its agency" in page


def test_changes_are_written_as_a_person_reads_them(client_for, lead_a):
    """Issue 15, item 26: "SHA-256 fingerprint", "Size: 10.7 KB", "Kind of file", not the
    field names "Sha256", "Size: 10971", "Content type"."""
    from django.template.defaultfilters import filesizeformat

    from tests.files import ACCEPTED, upload

    action = make_action(agency=agency_of(lead_a))
    services.evidence_attach(
        actor=lead_a,
        action=action,
        uploads=[upload("report.pdf", ACCEPTED["report.pdf"])],
        description="The audit",
    )
    page = text(
        client_for(lead_a).get(reverse("action-timeline", args=[SLUG, action.pk])).content.decode()
    )
    size = len(ACCEPTED["report.pdf"])
    assert "SHA-256 fingerprint:" in page and "Kind of file: (none) → application/pdf" in page
    assert f"Size: (none) → {text(filesizeformat(size))} " in page
    for raw in ["Sha256", "Content type", "Original name"]:
        assert raw not in page
