"""Decision notices (issue 20, item 1): the table in actions.notices (NOTICES), row by
row: who is told of each decision, once each, never the person who made it and nobody
outside the record's reach; then the email, exactly once, at once or in the daily digest,
as each person chooses."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from actions import notices, reminders, services
from actions.models import Action, Notice
from partnerships import services as partnership_services
from partnerships.models import Invitation
from reviews import services as review_services
from sscp import roles
from sscp.models import User
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_evidence,
    make_lead,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
)

pytestmark = pytest.mark.django_db

S = Action.Status
Kind = Notice.Kind


@pytest.fixture
def people(partnership_officer, silg_chair, lead_a, lead_b):
    """Everyone in the partnership, a second lead of agency A (not the owner), and a team
    member of another partnership."""
    other_lead_a = make_lead(agency_of(lead_a), "lead-a2", first_name="Ali", last_name="Second")
    outsider = make_user(
        "elsewhere", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("o")
    )
    return {
        "officer": partnership_officer,
        "chair": silg_chair,
        "lead-a": lead_a,
        "lead-a2": other_lead_a,
        "lead-b": lead_b,
        "elsewhere": outsider,
    }


def told(kind) -> list[str]:
    """Who was told of `kind`, one name per notice: a name twice is a notice twice."""
    return sorted(n.recipient.username for n in Notice.objects.filter(kind=kind))


def _submitted(lead_a, **fields):
    return make_action(
        agency=agency_of(lead_a), owner=lead_a, status=S.SUBMITTED, title="Audit plans", **fields
    )


def test_approved_is_told_to_the_owner_only(people, lead_a, silg_chair):
    action = _submitted(lead_a)
    services.action_approve(actor=silg_chair, action=action)
    assert told(Kind.APPROVED) == ["lead-a"]
    [notice] = Notice.objects.all()
    assert notice.text == f"Sam Chair approved “Audit plans” ({action.review.title}, " \
        f"recommendation {action.recommendation.number})"  # fmt: skip
    assert notice.decided_by == silg_chair and notice.read_at is None


def test_without_an_owner_every_lead_of_the_agency_is_told(people, lead_a, silg_chair):
    action = make_action(agency=agency_of(lead_a), status=S.SUBMITTED)
    services.action_return(actor=silg_chair, action=action, comment="Add the register")
    assert told(Kind.RETURNED) == ["lead-a", "lead-a2"]
    assert "Add the register" not in Notice.objects.first().text  # comments stay inside


def test_an_extension_decision_is_told_to_who_asked_and_the_owner(people, lead_a, silg_chair):
    asker = people["lead-a2"]
    granted = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    request = services.extension_request(
        actor=asker,
        action=granted,
        requested_due_date=granted.due_date + datetime.timedelta(days=30),
        reason="Trainer ill",
    )
    services.extension_grant(actor=silg_chair, extension=request)
    assert told(Kind.EXTENSION_GRANTED) == ["lead-a", "lead-a2"]
    declined = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    request = services.extension_request(
        actor=lead_a,
        action=declined,
        requested_due_date=declined.due_date + datetime.timedelta(days=30),
        reason="More time",
    )
    services.extension_decline(actor=silg_chair, extension=request, comment="Not this time")
    assert told(Kind.EXTENSION_DECLINED) == ["lead-a"]  # the one who asked is the owner


def test_reopened_and_superseded_are_told_to_the_owner(people, lead_a, silg_chair):
    done = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.COMPLETED)
    services.action_reopen(
        actor=silg_chair,
        action=done,
        reason="The audit found gaps",
        due_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    assert told(Kind.REOPENED) == ["lead-a"]
    stale = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    services.action_supersede(actor=silg_chair, action=stale, reason="Replaced by action 4")
    assert told(Kind.SUPERSEDED) == ["lead-a"]


def test_a_recommendations_closing_and_impact_are_told_to_its_agencies_and_the_team(
    people, lead_a, lead_b, silg_chair, partnership_officer
):
    recommendation = make_recommendation()
    make_action(recommendation, agency=agency_of(lead_a), owner=lead_a, status=S.COMPLETED)
    make_action(recommendation, agency=agency_of(lead_b), status=S.COMPLETED)
    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Used"
    )
    # Agency A's owner, every lead of agency B (no owner there), the team; not the chair.
    assert told(Kind.RECOMMENDATION_CLOSED) == ["lead-a", "lead-b", "officer"]
    check = review_services.impact_check_record(
        actor=partnership_officer, recommendation=recommendation, method="survey", findings="Used"
    )
    review_services.impact_decide(actor=silg_chair, impact_check=check, outcome="embedded")
    assert told(Kind.EMBEDDED) == ["lead-a", "lead-b", "officer"]


def test_not_yet_embedded_is_told_as_well(people, lead_a, silg_chair, partnership_officer):
    recommendation = make_recommendation()
    make_action(recommendation, agency=agency_of(lead_a), owner=lead_a, status=S.COMPLETED)
    review_services.recommendation_close(
        actor=silg_chair, recommendation=recommendation, impact_statement="Used"
    )
    check = review_services.impact_check_record(
        actor=partnership_officer, recommendation=recommendation, method="survey", findings="Used"
    )
    review_services.impact_decide(
        actor=silg_chair,
        impact_check=check,
        outcome="not_yet_embedded",
        decision_comment="Health visitors next",
    )
    assert told(Kind.NOT_YET_EMBEDDED) == ["lead-a", "officer"]
    recommendation.refresh_from_db()
    assert Notice.objects.filter(kind=Kind.NOT_YET_EMBEDDED)[0].text == (
        f"Sam Chair found the learning of {recommendation.review.title}, recommendation "
        f"{recommendation.number} not yet embedded: reopened for follow-up actions, its impact "
        f"to be checked again by {date_format(recommendation.impact_check_due_on)}"
    )
    assert "Health visitors" not in Notice.objects.filter(kind=Kind.NOT_YET_EMBEDDED)[0].text


def test_a_stage_recorded_late_is_told_to_the_team_and_the_chair(people, partnership_officer):
    aware = timezone.localdate() - datetime.timedelta(days=30)
    review = make_review(title="Child Q", child_pseudonym="Child Q", became_aware_on=aware)
    on_time = aware + datetime.timedelta(days=1)
    review_services.journey_record(
        actor=partnership_officer, review=review, stage="notification",
        values={"notified_on": on_time},
    )  # fmt: skip
    assert told(Kind.STAGE_LATE) == []  # within five working days: nobody needs telling
    review_services.journey_record(
        actor=partnership_officer, review=review, stage="rapid_review",
        values={"rapid_review_started_on": on_time, "rapid_review_sent_on": timezone.localdate()},
    )  # fmt: skip
    assert told(Kind.STAGE_LATE) == ["chair"]  # the officer recorded it
    [notice] = Notice.objects.all()
    assert notice.text.startswith("Pat Officer recorded Rapid review of Child Q")
    assert "working days late" in notice.text


def test_an_accepted_invitation_is_told_to_who_sent_it(people, partnership_officer):
    invitation = partnership_services.invitation_create(
        actor=partnership_officer,
        partnership=partnership_officer.memberships.get().partnership,
        email="new.chair@example.org",
        role=roles.SILG_CHAIR,
        agency=None,
    )
    partnership_services.invitation_accept_new(
        invitation=Invitation.objects.get(pk=invitation.pk),
        first_name="Nell",
        last_name="New",
        password="a-long-enough-passphrase-9",
    )
    assert told(Kind.INVITATION_ACCEPTED) == ["officer"]


# The email ---------------------------------------------------------------------


def test_a_notice_is_emailed_once_soon_after_the_decision_commits(
    people, lead_a, silg_chair, django_capture_on_commit_callbacks
):
    action = _submitted(lead_a)
    with django_capture_on_commit_callbacks() as callbacks:
        services.action_approve(actor=silg_chair, action=action)
    assert len(callbacks) == 1 and not mail.outbox  # asked for only once it has committed
    assert notices.deliver() == 1
    [email] = mail.outbox
    assert email.to == [lead_a.email]
    assert email.subject == "Action approved – SSCP review tracker"
    assert "Sam Chair approved “Audit plans”" in email.body
    assert f"/actions/{action.pk}/" in email.body
    assert notices.deliver() == 0 and notices.deliver(daily=True) == 0  # and only once
    assert Notice.objects.get().status == Notice.Status.SENT


def test_who_chose_the_daily_digest_gets_them_together_with_the_sweep(people, lead_a, silg_chair):
    lead_a.decision_emails = User.DecisionEmails.DAILY
    lead_a.save()
    services.action_approve(actor=silg_chair, action=_submitted(lead_a))
    services.action_return(actor=silg_chair, action=_submitted(lead_a), comment="Say more")
    assert notices.deliver() == 0 and not mail.outbox  # not at once
    reminders.sweep()
    [email] = [m for m in mail.outbox if m.to == [lead_a.email]]
    assert email.subject == "2 decisions on your work – SSCP review tracker"
    assert "Action approved" in email.body and "Action returned" in email.body


def test_a_mail_server_that_refuses_leaves_them_for_the_next_delivery(
    people, lead_a, silg_chair, smtp_server
):
    services.action_approve(actor=silg_chair, action=_submitted(lead_a))
    smtp_server.handler.refuse = {lead_a.email}
    assert notices.deliver() == 0
    assert Notice.objects.get().status == Notice.Status.FAILED
    smtp_server.handler.refuse = set()
    assert notices.deliver() == 1
    assert smtp_server.handler.recipients() == [lead_a.email]


# Notifications page --------------------------------------------------------------


def test_the_notifications_page_lists_ones_own_and_reading_marks_them_read(
    people, lead_a, lead_b, silg_chair, client_for
):
    action = _submitted(lead_a)
    services.action_approve(actor=silg_chair, action=action)
    client = client_for(lead_a)
    home = client.get(reverse("home", args=[SLUG])).content.decode()
    assert 'Notifications <span class="sscp-unread">1</span>' in home
    page = client.get(reverse("notifications")).content.decode()
    assert "Sam Chair approved “Audit plans”" in page
    assert Notice.objects.get().read_at is not None  # reading marks it read
    home = client.get(reverse("home", args=[SLUG])).content.decode()
    assert "sscp-unread" not in home
    assert "Audit plans" not in client_for(lead_b).get(reverse("notifications")).content.decode()


def test_each_person_chooses_at_once_or_the_daily_digest_on_their_reminders_page(
    lead_a, client_for
):
    client = client_for(lead_a)
    page = client.get(reverse("my-reminders")).content.decode()
    assert "When do you want emails about decisions on your work?" in page
    response = client.post(
        reverse("my-reminders"), {"reminder_frequency": "daily", "decision_emails": "daily"}
    )
    assert response.status_code == 302
    lead_a.refresh_from_db()
    assert lead_a.decision_emails == User.DecisionEmails.DAILY
    page = client.post(
        reverse("my-reminders"), {"reminder_frequency": "daily", "decision_emails": "hourly"}
    ).content.decode()
    assert "Select a valid choice" not in page and "There is a problem" in page
    lead_a.refresh_from_db()
    assert lead_a.decision_emails == User.DecisionEmails.DAILY


def test_home_shows_what_changed_since_the_last_visit_until_it_is_read(
    people, lead_a, lead_b, silg_chair, client_for
):
    services.action_approve(actor=silg_chair, action=_submitted(lead_a))
    client = client_for(lead_a)
    home = client.get(reverse("home", args=[SLUG])).content.decode()
    assert "Since your last visit" in home and "Sam Chair approved “Audit plans”" in home
    assert (
        "Since your last visit"
        not in client_for(lead_b).get(reverse("home", args=[SLUG])).content.decode()
    )
    client.get(reverse("notifications"))
    assert "Since your last visit" not in client.get(reverse("home", args=[SLUG])).content.decode()


def test_the_readmes_table_is_the_codes():
    """Issue 20: to whom each notice goes is one table in the code and in the README."""
    from pathlib import Path

    words = {
        notices.Audience.OWNERS: "the action's owner",
        notices.Audience.REQUESTER: "who asked for it",
        notices.Audience.AGENCIES: "the owners of each of its actions",
        notices.Audience.PARTNERSHIP: "the partnership team",
        notices.Audience.CHAIR: "the SILG chair",
        notices.Audience.INVITER: "who sent the invitation",
    }
    readme = Path(__file__).resolve().parents[2] / "README.md"
    rows = {}
    for line in readme.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0] in Kind.labels:
            rows[cells[0]] = cells[1]
    assert set(rows) == set(Kind.labels)
    for kind, audiences in notices.NOTICES.items():
        told_to = rows[Kind(kind).label]
        for audience in notices.Audience:
            assert (words[audience] in told_to) == (audience in audiences), (kind, audience)


# Moving an action logged against the wrong agency (issue 20, item 6) ---------------------


def test_moving_an_action_to_another_agency_tells_that_agencys_leads(
    people, lead_a, lead_b, partnership_officer, client_for
):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    action.recommendation.agencies.add(agency_of(lead_b))
    client = client_for(partnership_officer)
    address = reverse("action-move", args=[SLUG, action.pk])
    before = Action.history.count()
    page = client.post(address, {"agency": "", "reason": ""}).content.decode()
    assert "Choose the agency the action moves to" in page
    assert "Enter the reason for moving the action" in page
    assert Action.history.count() == before  # nothing saved
    response = client.post(
        address, {"agency": agency_of(lead_b).pk, "reason": "Logged against the wrong agency"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.agency == agency_of(lead_b) and action.owner is None
    assert action.history.latest().history_change_reason == (
        "Moved from Agency A to Agency B: Logged against the wrong agency"
    )
    assert told(Kind.MOVED) == ["lead-b"]  # not the old agency, nor the team who moved it
    # The old agency's lead no longer works on it; the new one does.
    assert (
        client_for(lead_a).get(reverse("action-progress", args=[SLUG, action.pk])).status_code
        == 403
    )
    assert (
        client_for(lead_b).get(reverse("action-progress", args=[SLUG, action.pk])).status_code
        == 200
    )


def test_only_an_open_action_moves_and_only_to_an_agency_of_its_recommendation(
    people, lead_a, lead_b, partnership_officer
):
    from django.core.exceptions import ValidationError

    action = make_action(agency=agency_of(lead_a), status=S.IN_PROGRESS)
    with pytest.raises(ValidationError, match="not an owning agency of this recommendation"):
        services.action_move(
            actor=partnership_officer, action=action, agency=agency_of(lead_b), reason="r"
        )
    done = make_action(agency=agency_of(lead_a), status=S.COMPLETED)
    done.recommendation.agencies.add(agency_of(lead_b))
    with pytest.raises(ValidationError, match="Only an open action can move"):
        services.action_move(
            actor=partnership_officer, action=done, agency=agency_of(lead_b), reason="r"
        )


# Changes, not decisions, on the work a person owns or follows (issue 20, item 2) -------


def test_changes_by_someone_else_are_shown_to_the_owner_and_never_emailed(
    people, lead_a, partnership_officer, client_for, django_capture_on_commit_callbacks
):
    colleague = people["lead-a2"]
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_post(actor=colleague, action=action, text="Half the audits done")
        services.progress_post(actor=lead_a, action=action, text="Mine")  # their own: not told
        services.action_correct_due_date(
            actor=partnership_officer,
            action=action,
            due_date=action.due_date + datetime.timedelta(days=7),
            reason="Board date moved",
        )
    assert told(Kind.PROGRESS_POSTED) == ["lead-a"]
    assert told(Kind.ACTION_CHANGED) == ["lead-a"]
    corrected = Notice.objects.get(kind=Kind.ACTION_CHANGED).text
    assert corrected.startswith("Pat Officer corrected the due date of “")
    assert date_format(action.due_date + datetime.timedelta(days=7)) in corrected
    assert "Board date moved" not in corrected  # the reason stays inside
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SHOWN}
    assert notices.deliver(daily=True) == 0 and mail.outbox == []

    home = client_for(lead_a).get(reverse("home", args=[SLUG])).content.decode()
    assert "Since your last visit" in home
    assert "Ali Second posted progress on “" in home
    assert "Half the audits" not in home  # what was posted is on the action, for those who may


def test_a_submission_is_shown_to_the_partnership_team_not_the_chair(
    people, lead_a, partnership_officer, silg_chair
):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.IN_PROGRESS)
    make_evidence(action, uploaded_by=lead_a)
    services.action_submit(actor=lead_a, action=action, completion_statement="Done")
    assert told(Kind.SUBMITTED) == ["officer"]  # the chair's reminders list what awaits them
