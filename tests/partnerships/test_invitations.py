"""Inviting a person by email, and the invitation's one-time link, end to end: the real
email, a new person choosing a password, an existing account accepting, expiry, reuse,
cancelling and sending again."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Invitation
from sscp import outbox, roles
from sscp.models import Membership, OutgoingEmail, User
from tests.makers import SLUG, make_agency, make_user
from tests.pages import text
from tests.partnerships.conftest import everything

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")
PASSWORD = "a-long-Unusual-passphrase-42"


def invite(client, **data):
    return client.post(reverse("invitation-create", args=[SLUG]), data, follow=True)


def emailed_link(address=None) -> str:
    """Send what waits in the outbox; the link in the last invitation email."""
    outbox.deliver_waiting()
    sent = [m for m in mail.outbox if address is None or m.to == [address]]
    return LINK.search(sent[-1].body).group(1)


def new_account(client, link, **data):
    fields = {
        "first_name": "Nia",
        "last_name": "Newcomer",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    return client.post(link, fields | data)


@pytest.fixture
def officer_client(client_for, partnership_officer):
    return client_for(partnership_officer)


@pytest.fixture
def invited_lead(officer_client, agency_a):
    """An agency lead of agency A invited by the partnership team, the email sent."""
    invite(officer_client, email="Nia.Newcomer@Example.org", role="lead", agency=agency_a.pk)
    return Invitation.objects.get()


def test_the_team_invites_a_lead_and_the_email_carries_a_one_time_link(officer_client, agency_a):
    response = invite(
        officer_client, email="Nia.Newcomer@Example.org", role="lead", agency=agency_a.pk
    )
    page = text(response.content.decode())
    assert "Invitation sent to Nia.Newcomer@example.org" in page
    assert "Nia.Newcomer@example.org Agency lead, Agency A" in page and "Waiting" in page
    invitation = Invitation.objects.get()
    assert (
        invitation.history.get().history_change_reason == "Invited to join as Agency lead, Agency A"
    )
    assert not mail.outbox  # the outbox sends it, after the request
    [row] = OutgoingEmail.objects.all()
    assert (row.kind, row.reference, row.status) == ("invitation", invitation.pk, "pending")

    assert outbox.deliver_waiting() == 1
    [email] = mail.outbox
    assert email.to == ["Nia.Newcomer@example.org"]
    assert email.subject == ("You are invited to the review tracker of Test – SSCP review tracker")
    assert (
        "Pat Officer has invited you to use the SSCP review tracker of the Test Safeguarding "
        "Children Partnership, as an agency lead for Agency A." in email.body
    )
    link = LINK.search(email.body).group(1)
    assert link in email.alternatives[0][0]
    secret = link.strip("/").split("/")[-1]
    invitation.refresh_from_db()
    assert invitation.token_hash == Invitation.hash_of(secret)
    stored = str(model_to_dict(invitation)) + str(model_to_dict(OutgoingEmail.objects.get()))
    assert secret not in stored
    assert "token" not in str(invitation.history.values())


def test_a_new_person_chooses_a_password_becomes_a_lead_and_signs_in(invited_lead, agency_a):
    link = emailed_link()
    client = Client()
    page = text(client.get(link).content.decode())
    assert "Create your account" in page
    assert "Your username will be your email address, nia.newcomer@example.org" in page
    response = new_account(client, link)
    home = reverse("home", args=[SLUG])
    assert response["Location"] == f"{reverse('login')}?next={home}"
    page = text(client.get(response["Location"]).content.decode())
    assert "Your account is ready. Sign in with your username, nia.newcomer@example.org" in page

    person = User.objects.get(username="nia.newcomer@example.org")
    assert (person.get_full_name(), person.email) == ("Nia Newcomer", "Nia.Newcomer@example.org")
    assert person.is_active and person.check_password(PASSWORD)
    membership = Membership.objects.get(user=person)
    assert (membership.role, membership.agency) == (roles.AGENCY_LEAD, agency_a)
    invited_lead.refresh_from_db()
    assert invited_lead.accepted_by == person
    reasons = [
        person.history.get().history_change_reason,
        membership.history.get().history_change_reason,
        invited_lead.history.first().history_change_reason,
    ]
    assert reasons == [
        "Account made by accepting an invitation to Test Safeguarding Children Partnership",
        "Joined by accepting the invitation of Pat Officer",
        "Invitation accepted",
    ]
    signed_in = client.post(
        reverse("login"),
        {"username": "nia.newcomer@example.org", "password": PASSWORD, "next": home},
        follow=True,
    )
    assert "Nia Newcomer" in signed_in.content.decode() and signed_in.status_code == 200


def test_a_used_link_changes_nothing_more(invited_lead):
    link = emailed_link()
    client = Client()
    new_account(client, link)
    before = everything()
    for method in (client.get, client.post):
        page = text(method(link).content.decode())
        assert "This invitation has already been used" in page
    assert text(new_account(Client(), link, first_name="Mallory").content.decode()).count(
        "already been used"
    )
    assert everything() == before


@pytest.mark.parametrize(
    "password, again, message",
    [
        ("short1", "short1", "Password must be 8 characters or more"),
        ("password123", "password123", "Password is too common"),
        ("4820193746", "4820193746", "Password must include letters or symbols, not only numbers"),
        ("nianewcomer", "nianewcomer", "Password must not be like your name"),
        (PASSWORD, PASSWORD + "x", "The two passwords do not match: type them again"),
        ("", "", "Enter a password"),
    ],
)
def test_a_weak_or_mistyped_password_is_explained_and_nothing_is_made(
    invited_lead, password, again, message
):
    link = emailed_link()
    before = everything()
    response = new_account(Client(), link, password=password, password_again=again)
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "There is a problem" in page and message in page
    assert everything() == before


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(invited_lead):
    link = emailed_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        before = everything()
        page = text(Client().get(link).content.decode())
        assert "This invitation has expired" in page
        assert "Ask the partnership team of Test Safeguarding Children Partnership" in page
        new_account(Client(), link)
        assert everything() == before


def test_the_link_works_for_invitation_days(officer_client, settings):
    settings.INVITATION_DAYS = 2
    invite(officer_client, email="two@example.org", role="team")
    link = emailed_link()
    assert "until" in mail.outbox[0].body
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, hours=23)):
        assert "Create your account" in Client().get(link).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, minutes=1)):
        assert "This invitation has expired" in Client().get(link).content.decode()


def test_an_email_not_sent_before_the_invitation_expired_is_not_sent(invited_lead):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert outbox.deliver_waiting() == 0
    assert not mail.outbox
    assert OutgoingEmail.objects.get().status == "cancelled"
    assert Invitation.objects.get().token_hash is None


def test_a_cancelled_invitation_link_stops_working(officer_client, invited_lead):
    link = emailed_link()
    cancel = reverse("invitation-cancel", args=[SLUG, invited_lead.pk])
    assert (
        "Cancel the invitation of Nia.Newcomer@example.org"
        in officer_client.get(cancel).content.decode()
    )
    page = text(officer_client.post(cancel, follow=True).content.decode())
    assert "Invitation of Nia.Newcomer@example.org cancelled" in page
    assert "No invitations are waiting" in page
    invited_lead.refresh_from_db()
    assert invited_lead.cancelled_at
    assert invited_lead.history.first().history_change_reason == "Invitation cancelled"
    before = everything()
    assert "This invitation was cancelled" in text(Client().get(link).content.decode())
    new_account(Client(), link)
    assert everything() == before
    again = officer_client.post(cancel, follow=True)
    assert "The invitation of Nia.Newcomer@example.org was already cancelled" in text(
        again.content.decode()
    )


def test_cancelling_before_the_email_goes_means_it_never_goes(officer_client, invited_lead):
    officer_client.post(reverse("invitation-cancel", args=[SLUG, invited_lead.pk]))
    assert outbox.deliver_waiting() == 0
    assert not mail.outbox


def test_sending_again_makes_the_earlier_link_stop_working(
    client_for, partnership_officer, invited_lead
):
    first = emailed_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        response = client_for(partnership_officer).post(
            reverse("invitation-resend", args=[SLUG, invited_lead.pk]), follow=True
        )
        assert (
            "Invitation sent again to Nia.Newcomer@example.org: earlier links no longer work"
            in text(response.content.decode())
        )
        assert "This link does not work" in text(Client().get(first).content.decode())
        second = emailed_link()
    assert second != first and len(mail.outbox) == 2
    assert "This link does not work" in text(Client().get(first).content.decode())
    # Sent again on day 6, it works for another 7 days from then.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=12)):
        assert "Create your account" in Client().get(second).content.decode()
        new_account(Client(), second)
    assert User.objects.filter(username="nia.newcomer@example.org").exists()


def test_sending_again_an_expired_invitation_renews_it(
    client_for, partnership_officer, invited_lead
):
    emailed_link()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=9)):
        officer_client = client_for(partnership_officer)
        people = officer_client.get(reverse("people", args=[SLUG])).content.decode()
        assert "Expired" in people
        officer_client.post(reverse("invitation-resend", args=[SLUG, invited_lead.pk]))
        link = emailed_link()
        assert "Create your account" in Client().get(link).content.decode()


def test_only_the_newest_email_is_sent_when_sent_again_before_the_first_went(
    officer_client, invited_lead
):
    officer_client.post(reverse("invitation-resend", args=[SLUG, invited_lead.pk]))
    assert outbox.deliver_waiting() == 1
    assert sorted(OutgoingEmail.objects.values_list("status", flat=True)) == ["cancelled", "sent"]
    link = LINK.search(mail.outbox[0].body).group(1)
    assert "Create your account" in Client().get(link).content.decode()


def test_a_guessed_link_tells_nothing(client):
    page = text(client.get(reverse("invitation-accept", args=["guessed"])).content.decode())
    assert "This link does not work" in page


# An existing account -----------------------------------------------------------------


@pytest.fixture
def existing(other):
    """Someone with an account already: a member of another partnership."""
    return make_user(
        "existing", email="Existing.Person@Example.org", role=roles.SILG_CHAIR, partnership=other
    )


def test_an_existing_account_signs_in_and_accepts(officer_client, existing, client_for):
    invite(officer_client, email="existing.person@example.org", role="team")
    link = emailed_link()
    page = text(Client().get(link).content.decode())
    assert "Sign in to accept the invitation" in page
    assert f'href="{reverse("login")}?next={link}"' in Client().get(link).content.decode()
    client = client_for(existing)
    page = text(client.get(link).content.decode())
    assert "Join Test Safeguarding Children Partnership" in page
    response = client.post(link)
    assert response["Location"] == reverse("home", args=[SLUG])
    assert "You have joined Test Safeguarding Children Partnership" in text(
        client.get(response["Location"]).content.decode()
    )
    assert sorted(existing.memberships.filter(ended_at=None).values_list("role", flat=True)) == [
        "chair",
        "team",
    ]
    assert User.objects.filter(email__iexact="existing.person@example.org").count() == 1
    assert "already been used" in text(client.get(link).content.decode())


def test_an_existing_account_is_never_offered_a_new_one(officer_client, existing):
    invite(officer_client, email="existing.person@example.org", role="team")
    link = emailed_link()
    before = everything()
    new_account(Client(), link)  # a form that was not offered
    assert everything() == before


def test_signed_in_as_someone_else_the_invitation_is_not_theirs(
    officer_client, existing, client_for, lead_b
):
    invite(officer_client, email="existing.person@example.org", role="team")
    link = emailed_link()
    client = client_for(lead_b)
    before = everything()
    page = text(client.get(link).content.decode())
    assert "This invitation is for someone else" in page
    assert "you are signed in as Bea Lead (lead-b@example.org)" in page
    client.post(link)
    assert everything() == before


def test_a_leaver_invited_again_chooses_a_new_password_for_their_old_account(officer_client):
    leaver = make_user("old-username", email="returner@example.org", is_active=False)
    invite(officer_client, email="returner@example.org", role="chair")
    link = emailed_link()
    client = Client()
    page = text(client.get(link).content.decode())
    assert "Welcome back" in page and "old-username" in page
    new_account(client, link)
    leaver.refresh_from_db()
    assert leaver.is_active and leaver.check_password(PASSWORD)
    assert leaver.memberships.get().role == roles.SILG_CHAIR
    assert leaver.history.first().history_change_reason == (
        "Account reactivated by accepting an invitation"
    )
    assert User.objects.filter(email="returner@example.org").count() == 1


# What bad input gets -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "LEAD-A@example.org", "role": "team"}, "LEAD-A@example.org is already a member"),
        (
            {"email": "new@example.org", "role": "lead"},
            "Choose the agency the agency lead acts for",
        ),
        ({"email": "not an address", "role": "team"}, "Enter an email address in the correct"),
        ({"email": "", "role": ""}, "Enter the email address"),
        ({"email": "new@example.org", "role": "boss"}, "Choose the role from the list"),
    ],
)
def test_bad_invitations_are_explained_and_change_nothing(officer_client, lead_a, data, message):
    before = everything()
    response = invite(officer_client, **data)
    page = text(response.content.decode())
    assert "There is a problem" in page and message in page
    assert everything() == before


def test_an_agency_that_does_not_serve_the_partnership_is_refused(officer_client, other):
    elsewhere = make_agency(
        name="Isle of Wight NHS Trust", short_name="IOW NHS", partnerships=[other]
    )
    before = everything()
    page = text(
        invite(
            officer_client, email="n@example.org", role="lead", agency=elsewhere.pk
        ).content.decode()
    )
    assert "Isle of Wight NHS Trust does not serve Test: add it on the agencies page first" in page
    assert everything() == before


def test_an_address_with_an_invitation_waiting_is_refused(officer_client, invited_lead):
    before = everything()
    page = text(
        invite(officer_client, email="nia.newcomer@EXAMPLE.org", role="team").content.decode()
    )
    assert "nia.newcomer@example.org already has an invitation waiting" in page
    assert everything() == before


def test_an_expired_invitation_is_replaced_by_a_new_one(
    client_for, partnership_officer, invited_lead
):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        invite(client_for(partnership_officer), email="nia.newcomer@example.org", role="team")
    invited_lead.refresh_from_db()
    assert invited_lead.cancelled_at is not None
    assert invited_lead.history.first().history_change_reason == (
        "Expired, and replaced by a new invitation"
    )
    assert Invitation.objects.open().get().role == roles.PARTNERSHIP_TEAM


def test_an_agency_is_not_kept_for_a_role_without_one(officer_client, agency_a):
    invite(officer_client, email="n@example.org", role="chair", agency=agency_a.pk)
    assert Invitation.objects.get().agency is None


def test_inviting_and_accepting_are_on_the_partnerships_audit_log(
    client_for, partnership_officer, invited_lead
):
    new_account(Client(), emailed_link())
    page = text(
        client_for(partnership_officer).get(reverse("audit-log", args=[SLUG])).content.decode()
    )
    for said in [
        "Invitation of Nia.Newcomer@example.org",
        "Invited to join as Agency lead, Agency A",
        "Invitation email sent, with a new link",
        "Invitation accepted",
        "Joined by accepting the invitation of Pat Officer",
    ]:
        assert said in page


def test_the_link_answers_only_get_and_post(invited_lead):
    link = emailed_link()
    for method in ("PUT", "DELETE", "PATCH"):
        assert Client().generic(method, link).status_code == 405
    assert Invitation.objects.get().accepted_at is None
