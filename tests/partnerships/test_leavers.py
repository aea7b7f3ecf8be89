"""Removing a leaver from the partnership: their actions fall back to their agency's leads,
their account is deactivated when they belong nowhere else, their next request is
signed out, their reminders stop; the last of the partnership team stays."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from actions import reminders
from actions.models import Action
from partnerships import services
from sscp import roles
from sscp.models import Membership
from tests.makers import (
    SLUG,
    agency_of,
    make_action,
    make_lead,
    make_membership,
    make_recommendation,
    make_review,
    make_user,
)
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 12, 2)


def remove_url(user):
    membership = user.memberships.get(ended_at=None, partnership__slug=SLUG)
    return reverse("person-remove", args=[SLUG, membership.pk])


@pytest.fixture
def colleague(agency_a, lead_a):
    """Another lead of agency A, who stays."""
    return make_lead(agency_a, "lead-a2", first_name="Cal", last_name="Colleague")


@pytest.fixture
def owned(lead_a):
    return make_action(agency=agency_of(lead_a), owner=lead_a, title="Audit the referrals")


def test_the_page_says_what_removing_them_does(client_for, partnership_officer, lead_a, owned):
    page = text(client_for(partnership_officer).get(remove_url(lead_a)).content.decode())
    assert "Remove Alex Lead from the partnership" in page
    assert "the 1 open action they own here will belong to every lead of Agency A" in page
    assert "if they belong to no other partnership, their account is deactivated" in page


def test_a_leavers_actions_fall_back_to_every_lead_of_their_agency(
    client_for, partnership_officer, lead_a, colleague, owned, django_capture_on_commit_callbacks
):
    done = make_action(
        agency=agency_of(lead_a), owner=lead_a, status=Action.Status.COMPLETED, title="Done"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(partnership_officer).post(remove_url(lead_a), follow=True)
    page = text(response.content.decode())
    assert (
        "Alex Lead removed from the partnership. 1 action they owned now belongs to every lead "
        "of the agency. They belong to no other partnership, so their account is deactivated."
    ) in page
    assert "Alex Lead" not in page.split("Members", 1)[1]

    membership = Membership.objects.get(user=lead_a)
    assert membership.ended_at is not None
    assert membership.history.first().history_change_reason == (
        "Removed from the partnership: a leaver"
    )
    owned.refresh_from_db()
    assert owned.owner is None
    assert owned.history.first().history_change_reason == (
        "Owner left the partnership: every lead of Agency A is responsible now"
    )
    done.refresh_from_db()
    assert done.owner == lead_a  # a closed action keeps who did it

    action_page = text(client_for(colleague).get(owned.get_absolute_url()).content.decode())
    assert "Agency Agency A" in action_page and "Owner Every lead of the agency" in action_page


def test_a_leaver_with_no_partnership_left_is_signed_out_at_once(
    client_for, partnership_officer, lead_a, django_capture_on_commit_callbacks
):
    leaver = Client()
    leaver.force_login(lead_a)
    home = reverse("home", args=[SLUG])
    assert leaver.get(home).status_code == 200
    session_key = leaver.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        client_for(partnership_officer).post(remove_url(lead_a))
    lead_a.refresh_from_db()
    assert not lead_a.is_active
    assert lead_a.history.first().history_change_reason == (
        "Account deactivated: removed from every partnership"
    )
    assert not Session.objects.filter(session_key=session_key).exists()
    response = leaver.get(home)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    refused = Client().post(reverse("login"), {"username": "lead-a", "password": "test-pass-1234"})
    assert "Enter a correct username and password" in refused.content.decode()


def test_the_next_request_is_signed_out_even_if_the_session_survived(
    client_for, partnership_officer, lead_a
):
    """Without running the after-commit deletion: Django refuses the inactive account."""
    leaver = Client()
    leaver.force_login(lead_a)
    client_for(partnership_officer).post(remove_url(lead_a))
    response = leaver.get(reverse("home", args=[SLUG]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_only_the_leavers_sessions_end(lead_a, lead_b):
    stays, goes = Client(), Client()
    stays.force_login(lead_b)
    goes.force_login(lead_a)
    assert services.end_sessions(lead_a.pk) == 1
    assert Session.objects.filter(session_key=stays.session.session_key).exists()


def test_someone_who_belongs_to_another_partnership_keeps_their_account(
    client_for, partnership_officer, lead_a, other
):
    make_membership(lead_a, role=roles.SILG_CHAIR, partnership=other)
    response = client_for(partnership_officer).post(remove_url(lead_a), follow=True)
    page = text(response.content.decode())
    assert "Alex Lead removed from the partnership." in page and "deactivated" not in page
    lead_a.refresh_from_db()
    assert lead_a.is_active
    assert client_for(lead_a).get(reverse("home", args=["other"])).status_code == 200
    assert client_for(lead_a).get(reverse("home", args=[SLUG])).status_code == 404


def test_an_owner_who_still_leads_the_agency_in_a_joint_reviews_partnership_keeps_it(
    client_for, partnership_officer, lead_a, other
):
    """A review commissioned jointly with another partnership, where they still lead the
    agency: the action is still theirs to own."""
    agency = agency_of(lead_a)
    make_membership(lead_a, role=roles.AGENCY_LEAD, agency=agency, partnership=other)
    review = make_review()
    review.joint_partnerships.add(other)
    joint = make_action(make_recommendation(review, agencies=[agency]), agency=agency, owner=lead_a)
    client_for(partnership_officer).post(remove_url(lead_a))
    joint.refresh_from_db()
    assert joint.owner == lead_a


def test_reminders_stop_for_a_leaver_and_go_to_the_agencys_leads(
    partnership_officer, lead_a, colleague
):
    make_action(
        agency=agency_of(lead_a), owner=lead_a, due_date=WEDNESDAY - datetime.timedelta(days=1)
    )
    services.membership_end(actor=partnership_officer, membership=lead_a.memberships.get())
    reminders.sweep(day=WEDNESDAY)
    assert [m.to for m in mail.outbox] == [["lead-a2@example.org"]]


def test_the_last_of_the_partnership_team_cannot_be_removed(client_for, partnership_officer):
    make_user("gone", role=roles.PARTNERSHIP_TEAM, is_active=False)
    before = everything()
    response = client_for(partnership_officer).post(remove_url(partnership_officer))
    assert (
        "Pat Officer is the only member of the partnership team, so cannot be removed: invite "
        "or appoint another member of the team first"
    ) in text(response.content.decode())
    assert everything() == before


def test_a_team_member_who_removes_themselves_leaves_for_the_start_page(
    client_for, partnership_officer
):
    make_user("second", role=roles.PARTNERSHIP_TEAM)
    response = client_for(partnership_officer).post(remove_url(partnership_officer))
    assert response["Location"] == reverse("start")


def test_removing_someone_already_removed_changes_nothing(partnership_officer, lead_a):
    membership = lead_a.memberships.get()
    services.membership_end(actor=partnership_officer, membership=membership)
    before = everything()
    with pytest.raises(services.ValidationError, match="no longer a member"):
        services.membership_end(actor=partnership_officer, membership=membership)
    assert everything() == before
