"""The SILG chair's work: the queue, sign-off, return, reopen, supersede, extensions, closing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ExtensionRequest
from tests.makers import SLUG, agency_of, make_action, make_evidence, make_recommendation

pytestmark = pytest.mark.django_db
Status = Action.Status


def test_the_queue_lists_submitted_actions_longest_waiting_first(client_for, silg_chair):
    now = timezone.now()
    recent = make_action(status=Status.SUBMITTED, title="Recent submission", submitted_at=now)
    older = make_action(
        status=Status.SUBMITTED,
        title="Older submission",
        submitted_at=now - datetime.timedelta(days=9),
    )
    make_action(title="Still in progress")
    page = client_for(silg_chair).get(reverse("sign-off-queue", args=[SLUG])).content.decode()
    assert page.index(older.title) < page.index(recent.title)
    assert "Still in progress" not in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">9</td>' in page
    assert reverse("action-sign-off", args=[SLUG, older.pk]) in page


def test_the_queue_is_for_the_chair_and_the_partnership_team(client_for, personas):
    for role, status in {"chair": 200, "partnership": 200, "lead_a": 403, "no_role": 404}.items():
        assert (
            client_for(personas[role]).get(reverse("sign-off-queue", args=[SLUG])).status_code
            == status
        )


def test_the_sign_off_page_shows_the_statement_and_the_evidence(client_for, silg_chair, lead_a):
    action = make_action(
        agency=agency_of(lead_a), status=Status.SUBMITTED, completion_statement="96 trained."
    )
    evidence = make_evidence(action, name="attendance.pdf")
    page = (
        client_for(silg_chair)
        .get(reverse("action-sign-off", args=[SLUG, action.pk]))
        .content.decode()
    )
    assert "96 trained." in page
    assert reverse("evidence-download", args=[SLUG, evidence.pk]) in page
    assert "attendance.pdf" in page


def test_approving_completes_the_action(client_for, silg_chair):
    action = make_action(status=Status.SUBMITTED)
    response = client_for(silg_chair).post(
        reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "approve"}, follow=True
    )
    page = response.content.decode()
    assert "Approved: the action is completed" in page
    assert f"By {silg_chair}" in page
    assert "Completed</strong>" in page


def test_returning_needs_a_comment_which_the_agency_then_sees_first(client_for, silg_chair, lead_a):
    action = make_action(agency=agency_of(lead_a), status=Status.SUBMITTED)
    chair = client_for(silg_chair)
    response = chair.post(
        reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "return"}
    )
    assert "Enter a comment saying what the agency needs to do" in response.content.decode()
    chair.post(
        reverse("action-sign-off", args=[SLUG, action.pk]),
        {"decision": "return", "comment": "Please upload the published toolkit."},
    )
    page = client_for(lead_a).get(action.get_absolute_url()).content.decode()
    banner = page.index("Returned by the SILG chair")
    assert page.index("Please upload the published toolkit.") > banner
    assert banner < page.index("<h1")
    assert '<strong class="govuk-tag govuk-tag--orange">Returned</strong>' in page


def test_approving_something_not_submitted_is_refused_with_a_message(client_for, silg_chair):
    action = make_action(status=Status.IN_PROGRESS)
    response = client_for(silg_chair).post(
        reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "approve"}
    )
    assert "Only an action submitted for sign-off can be approved" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.IN_PROGRESS


def test_the_partnership_team_cannot_approve(client_for, partnership_officer):
    action = make_action(status=Status.SUBMITTED)
    response = client_for(partnership_officer).post(
        reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    page = client_for(partnership_officer).get(action.get_absolute_url()).content.decode()
    assert "Sign off or return" not in page


def test_reopening_and_superseding_need_reasons(client_for, silg_chair):
    completed = make_action(status=Status.COMPLETED)
    client = client_for(silg_chair)
    assert (
        "Enter the reason for reopening"
        in client.post(
            reverse("action-reopen", args=[SLUG, completed.pk]), {"reason": ""}
        ).content.decode()
    )
    due = timezone.localdate() + datetime.timedelta(days=30)
    client.post(
        reverse("action-reopen", args=[SLUG, completed.pk]),
        {"reason": "Re-audit showed drift", "due_date_0": due.day, "due_date_1": due.month,
         "due_date_2": due.year},
    )  # fmt: skip
    completed.refresh_from_db()
    assert completed.status == Status.IN_PROGRESS

    response = client.post(
        reverse("action-supersede", args=[SLUG, completed.pk]),
        {"reason": "Replaced by the HIPS plan"},
        follow=True,
    )
    assert "Superseded</strong>" in response.content.decode()


def test_deciding_an_extension_moves_the_due_date(client_for, silg_chair, lead_a):
    action = make_action(agency=agency_of(lead_a))
    extension = ExtensionRequest.objects.create(
        action=action, requested_by=lead_a, due_date_at_request=action.due_date,
        requested_due_date=action.due_date + datetime.timedelta(days=30), reason="Forces",
    )  # fmt: skip
    client = client_for(silg_chair)
    page = client.get(reverse("sign-off-queue", args=[SLUG])).content.decode()
    assert reverse("extension-decide", args=[SLUG, extension.pk]) in page
    response = client.post(
        reverse("extension-decide", args=[SLUG, extension.pk]), {"decision": "grant"}, follow=True
    )
    page = response.content.decode()
    assert "1 granted" in page
    action.refresh_from_db()
    assert action.due_date == extension.requested_due_date
    assert action.original_due_date == extension.due_date_at_request


def test_closing_a_recommendation_records_its_impact(client_for, silg_chair):
    recommendation = make_recommendation()
    make_action(recommendation, status=Status.COMPLETED)
    response = client_for(silg_chair).post(
        reverse("recommendation-close", args=[SLUG, recommendation.pk]),
        {"impact_statement": "Chronologies now used in 18 of 20 audited cases."},
        follow=True,
    )
    page = response.content.decode()
    assert "Recommendation 1 closed" in page
    assert "Chronologies now used in 18 of 20 audited cases." in page


def test_closing_with_open_actions_is_refused(client_for, silg_chair):
    recommendation = make_recommendation()
    make_action(recommendation)
    response = client_for(silg_chair).post(
        reverse("recommendation-close", args=[SLUG, recommendation.pk]),
        {"impact_statement": "Impact"},
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "once every action is completed or superseded: 1 of its 1 action is still open" in page
    recommendation.refresh_from_db()
    assert not recommendation.is_closed


def test_close_is_offered_only_when_it_can_succeed(client_for, silg_chair):
    """Issue 15, item 17: with an action open, no button and no form, but the reason why."""
    recommendation = make_recommendation()
    open_action = make_action(recommendation)
    client = client_for(silg_chair)
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Close the recommendation" not in page
    assert "once every action is completed or superseded: 1 of its 1 action is still open" in page
    close_page = client.get(reverse("recommendation-close", args=[SLUG, recommendation.pk]))
    assert "impact_statement" not in close_page.content.decode()
    open_action.status = Action.Status.SUPERSEDED
    open_action.save()
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Close the recommendation" in page
    close_page = client.get(reverse("recommendation-close", args=[SLUG, recommendation.pk]))
    assert 'name="impact_statement"' in close_page.content.decode()


def test_approving_with_an_extension_waiting_says_so_and_does_not_count_it_declined(
    client_for, silg_chair, lead_a
):
    """Issue 15, item 21: the sign-off page warns before the decision; the request is
    closed without a decision, not declined."""
    action = make_action(agency=agency_of(lead_a), status=Action.Status.SUBMITTED)
    make_evidence(action)
    extension = ExtensionRequest.objects.create(
        action=action,
        requested_by=lead_a,
        due_date_at_request=action.due_date,
        requested_due_date=datetime.date(2027, 2, 28),
        reason="Board date moved",
    )
    client = client_for(silg_chair)
    page = client.get(reverse("action-sign-off", args=[SLUG, action.pk])).content.decode()
    assert "An extension request to 28 February 2027 is awaiting your decision" in page
    assert "closed without a decision" in page
    client.post(reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "approve"})
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.CLOSED
    page = client.get(action.get_absolute_url()).content.decode()
    assert (
        "1 closed without a decision" in page
        and "declined" not in page.split("Extensions")[1][:200]
    )


def test_reopening_asks_for_a_new_due_date_and_says_the_recommendation_reopened(
    client_for, silg_chair
):
    """Issue 15, item 22."""
    long_ago = timezone.localdate() - datetime.timedelta(days=300)
    completed = make_action(status=Action.Status.COMPLETED, due_date=long_ago)
    recommendation = completed.recommendation
    recommendation.closed_at = timezone.now()
    recommendation.closed_by = silg_chair
    recommendation.impact_statement = "Done"
    recommendation.save()
    client = client_for(silg_chair)
    form = client.get(reverse("action-reopen", args=[SLUG, completed.pk])).content.decode()
    assert "New due date" in form and "will be reopened too" in form
    due = timezone.localdate() + datetime.timedelta(days=60)
    response = client.post(
        reverse("action-reopen", args=[SLUG, completed.pk]),
        {"reason": "Re-audit", "due_date_0": due.day, "due_date_1": due.month,
         "due_date_2": due.year},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "Action reopened, due" in page
    assert f"Recommendation {recommendation.number} was reopened too" in page
    completed.refresh_from_db()
    assert completed.due_date == due and completed.days_overdue() == 0


def test_a_decided_extension_request_shows_its_decision_not_the_form(
    client_for, silg_chair, lead_a
):
    """Issue 15, item 23."""
    action = make_action(agency=agency_of(lead_a))
    extension = ExtensionRequest.objects.create(
        action=action,
        requested_by=lead_a,
        due_date_at_request=action.due_date,
        requested_due_date=action.due_date + datetime.timedelta(days=9),
        reason="Board date moved",
        status=ExtensionRequest.Status.GRANTED,
        decided_by=silg_chair,
        decided_at=timezone.now(),
    )
    client = client_for(silg_chair)
    page = client.get(reverse("extension-decide", args=[SLUG, extension.pk])).content.decode()
    assert "already been decided: granted by Sam Chair" in page
    assert 'name="decision"' not in page
    response = client.post(
        reverse("extension-decide", args=[SLUG, extension.pk]),
        {"decision": "decline", "comment": "No"},
    )
    assert 'name="decision"' not in response.content.decode()
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.GRANTED
