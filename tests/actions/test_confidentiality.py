"""
Who may read an action's confidential text: its progress, completion statement, the
SILG chair's comments, extension reasons and decisions, evidence, reminders and
history are for its own agency, the partnership team and the SILG chair only — on
the action page, in exports, timelines, the audit log and its CSV alike. Everyone
signed in reads its title, description, success measure, status, rating and dates.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import services
from actions.models import Action
from reviews import services as review_services
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_evidence,
    make_recommendation,
)
from tests.pages import text

pytestmark = pytest.mark.django_db

SECRETS = [
    "PROGRESS-SECRET",
    "STATEMENT-SECRET",
    "RETURN-SECRET",
    "EXTENSION-SECRET",
    "DECLINE-SECRET",
]


@pytest.fixture
def police_action(lead_a, silg_chair):
    """An action of agency A with every kind of confidential text on it."""
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    action = make_action(
        recommendation, agency=agency_of(lead_a), owner=lead_a, title="Share the chronology"
    )
    services.progress_post(actor=lead_a, action=action, text="PROGRESS-SECRET")
    make_evidence(action, uploaded_by=lead_a, name="minutes.pdf")
    extension = services.extension_request(
        actor=lead_a,
        action=action,
        requested_due_date=action.due_date + datetime.timedelta(days=10),
        reason="EXTENSION-SECRET",
    )
    services.extension_decline(actor=silg_chair, extension=extension, comment="DECLINE-SECRET")
    services.action_submit(actor=lead_a, action=action, completion_statement="STATEMENT-SECRET")
    services.action_return(actor=silg_chair, action=action, comment="RETURN-SECRET")
    return Action.objects.get(pk=action.pk)


def _export(client, name):
    # An empty filter: every agency's actions, not only the lead's own.
    response = client.get(reverse(name, args=[SLUG]) + "?agency=")
    return b"".join(response.streaming_content).decode()


def test_another_agencys_lead_reads_the_facts_but_no_confidential_text(
    client_for, lead_b, police_action
):
    """Issue 15, item 7: the action page of another agency's action."""
    page = text(client_for(lead_b).get(police_action.get_absolute_url()).content.decode())
    assert "Share the chronology" in page and "Do the thing the review asked for." in page
    assert "Returned by the SILG chair" not in page
    assert "minutes.pdf" not in page
    for secret in SECRETS:
        assert secret not in page
    assert "Evidence for this action can be seen only by leads of Agency A" in page


@pytest.mark.parametrize("persona", ["lead_a", "partnership", "chair"])
def test_its_own_agency_the_partnership_team_and_the_chair_read_it_all(
    client_for, personas, persona, police_action
):
    page = text(
        client_for(personas[persona]).get(police_action.get_absolute_url()).content.decode()
    )
    for secret in ["PROGRESS-SECRET", "STATEMENT-SECRET", "RETURN-SECRET", "EXTENSION-SECRET"]:
        assert secret in page
    assert "minutes.pdf" in page


def test_exports_leave_out_other_agencies_confidential_text(client_for, lead_b, police_action):
    """Issue 15, item 7: the CSV (and the XLSX, from the same rows) as another lead."""
    exported = _export(client_for(lead_b), "action-list-csv")
    rows = list(csv.DictReader(io.StringIO(exported)))
    [row] = [r for r in rows if r["Action"] == "Share the chronology"]
    assert row["Latest progress"] == "" and row["Completion statement"] == ""
    for secret in SECRETS:
        assert secret not in exported


def test_exports_keep_it_for_the_agency_itself(client_for, lead_a, police_action):
    exported = _export(client_for(lead_a), "action-list-csv")
    assert "PROGRESS-SECRET" in exported and "STATEMENT-SECRET" in exported


def test_the_chairs_reopen_reason_never_reaches_another_agency(
    client_for, lead_a, lead_b, silg_chair, partnership_officer
):
    """Issue 15, item 6: reopening wrote the chair's reason into the recommendation's
    history, which every lead reads on its timeline, the review's, the log and its CSV."""
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    action = make_action(recommendation, agency=agency_of(lead_a), status=Action.Status.SUBMITTED)
    services.action_approve(actor=silg_chair, action=action)
    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Embedded."
    )
    services.action_reopen(
        actor=silg_chair,
        action=action,
        reason="REOPEN-SECRET about a named worker",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    other = client_for(lead_b)
    pages = [
        other.get(reverse("recommendation-timeline", args=[SLUG, recommendation.pk])),
        other.get(reverse("review-timeline", args=[SLUG, recommendation.review.pk])),
        other.get(reverse("audit-log", args=[SLUG])),
    ]
    for response in pages:
        page = response.content.decode()
        assert "REOPEN-SECRET" not in page
    assert "was reopened by the SILG chair" in pages[0].content.decode()
    assert "REOPEN-SECRET" not in _export(other, "audit-log-csv")
    # Its own agency still reads why.
    own = (
        client_for(lead_a).get(reverse("action-timeline", args=[SLUG, action.pk])).content.decode()
    )
    assert "REOPEN-SECRET" in own
