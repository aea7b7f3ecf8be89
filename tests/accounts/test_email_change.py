"""Changing one's email address: a link to the new address confirms it."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailChange
from sscp import outbox
from sscp.models import OutgoingEmail
from tests.accounts.conftest import error_summary, page_text
from tests.makers import make_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/account/email/confirm/[^/\s]+/)")


def ask(client, address):
    return client.post(reverse("account-email"), {"email": address}, follow=True)


def link_sent_to(address) -> str:
    outbox.deliver_waiting()
    [message] = [m for m in mail.outbox if m.to == [address]]
    return LINK.search(message.body).group(1)


def confirm(client, link):
    return client.post(link, follow=True)


def test_the_new_address_gets_a_link_and_nothing_changes_until_it_is_followed(client_for, lead_a):
    client = client_for(lead_a)
    response = ask(client, "alex.new@example.org")
    assert response.redirect_chain[-1][0] == reverse("account")
    page = page_text(response)
    assert "We have sent a link to alex.new@example.org" in page
    assert "Waiting for you to follow the link sent to alex.new@example.org" in page
    lead_a.refresh_from_db()
    assert lead_a.email == "lead-a@example.org"
    row = OutgoingEmail.objects.get()
    assert (row.kind, row.address, row.reference) == (
        "email_confirmation",
        "alex.new@example.org",
        EmailChange.objects.get().pk,
    )
    assert not mail.outbox  # sent by the outbox, not while the request waits

    assert outbox.deliver_waiting() == 1
    [message] = mail.outbox
    assert message.to == ["alex.new@example.org"]
    assert message.subject == "Confirm your new email address – SSCP review tracker"
    assert message.body.startswith("Dear Alex,\n\nYou asked to use this email address")
    assert "It works once, for 24 hours:" in message.body
    assert "Your username is: lead-a" in message.body
    html = message.alternatives[0][0]
    link = LINK.search(message.body).group(1)
    assert f'{link}" style="color: #1d70b8;">Confirm your new email address</a>' in html


def test_following_the_link_changes_the_address_on_the_record_and_tells_the_old_one(
    client_for, lead_a
):
    client = client_for(lead_a)
    ask(client, "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    page = page_text(client.get(link))
    assert "Confirm your new email address" in page
    assert "from lead-a@example.org to alex.new@example.org" in page
    lead_a.refresh_from_db()
    assert lead_a.email == "lead-a@example.org"  # following the link alone changes nothing

    response = confirm(client, link)
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "Your email address is now alex.new@example.org" in page_text(response)
    lead_a.refresh_from_db()
    assert lead_a.email == "alex.new@example.org"
    row = lead_a.history.first()
    assert row.history_change_reason == "Email address changed: confirmed by a link sent to it"
    assert (row.history_user, row.email) == (lead_a, "alex.new@example.org")
    change = EmailChange.objects.get()
    assert (change.status, change.old_email) == ("confirmed", "lead-a@example.org")

    mail.outbox.clear()
    assert outbox.deliver_waiting() == 1
    [notice] = mail.outbox
    assert notice.to == ["lead-a@example.org"]
    assert notice.subject == "Your email address has been changed – SSCP review tracker"
    assert "from this address to alex.new@example.org" in notice.body
    assert "If you did not, contact your partnership team straight away" in notice.body
    assert not LINK.search(notice.body)


def test_nothing_secret_waits_in_the_database(client_for, lead_a):
    ask(client_for(lead_a), "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    token = link.strip("/").split("/")[-1]
    change = EmailChange.objects.get()
    assert token not in str(model_to_dict(change))
    assert token not in str(model_to_dict(OutgoingEmail.objects.get()))
    assert change.token_hash and change.expires_at is not None


def test_an_expired_link_is_refused_and_changes_nothing(client_for, lead_a):
    client = client_for(lead_a)
    ask(client, "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24, minutes=1)):
        client.force_login(lead_a)  # the session itself would have ended by now
        response = confirm(client, link)
    assert "This link has expired" in page_text(response)
    lead_a.refresh_from_db()
    assert lead_a.email == "lead-a@example.org"
    assert EmailChange.objects.get().status == "pending"
    assert outbox.deliver_waiting() == 0  # no notice


def test_the_lifetime_is_a_setting(client_for, lead_a, settings):
    settings.EMAIL_CONFIRMATION_HOURS = 2
    client = client_for(lead_a)
    ask(client, "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    assert "It works once, for 2 hours:" in mail.outbox[0].body
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2, seconds=1)):
        client.force_login(lead_a)
        assert "This link has expired" in page_text(confirm(client, link))


def test_a_link_works_once(client_for, lead_a):
    client = client_for(lead_a)
    ask(client, "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    confirm(client, link)
    again = confirm(client, link)
    assert "This link has already been used: your email address is alex.new@example.org" in (
        page_text(again)
    )
    assert lead_a.history.filter(history_change_reason__startswith="Email address").count() == 1


def test_a_later_request_cancels_the_earlier_link(client_for, lead_a):
    client = client_for(lead_a)
    ask(client, "first@example.org")
    first = link_sent_to("first@example.org")
    ask(client, "second@example.org")
    response = confirm(client, first)
    assert "you asked to change your email address again" in page_text(response)
    lead_a.refresh_from_db()
    assert lead_a.email == "lead-a@example.org"
    assert confirm(client, link_sent_to("second@example.org")).status_code == 200
    lead_a.refresh_from_db()
    assert lead_a.email == "second@example.org"


def test_an_address_another_account_has_is_refused_when_asked(client_for, lead_a, lead_b):
    response = client_for(lead_a).post(reverse("account-email"), {"email": "LEAD-B@example.org"})
    assert response.status_code == 200
    assert "Another account already uses this email address" in error_summary(response)
    assert not EmailChange.objects.exists() and not OutgoingEmail.objects.exists()


def test_an_address_taken_by_another_account_meanwhile_is_refused_when_confirmed(
    client_for, lead_a
):
    client = client_for(lead_a)
    ask(client, "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    make_user("someone-else", email="Alex.New@example.org")
    response = confirm(client, link)
    page = page_text(response)
    assert "Another account now uses alex.new@example.org" in page
    assert "Your email address has not changed" in page
    lead_a.refresh_from_db()
    assert lead_a.email == "lead-a@example.org"
    assert EmailChange.objects.get().status == "pending"


def test_the_link_works_only_for_the_person_who_asked(client_for, lead_a, lead_b):
    ask(client_for(lead_a), "alex.new@example.org")
    link = link_sent_to("alex.new@example.org")
    response = confirm(client_for(lead_b), link)
    assert "This link is for a different account" in page_text(response)
    lead_a.refresh_from_db()
    lead_b.refresh_from_db()
    assert (lead_a.email, lead_b.email) == ("lead-a@example.org", "lead-b@example.org")


def test_a_made_up_link_is_refused(client_for, lead_a):
    response = client_for(lead_a).post(reverse("account-email-confirm", args=["made-up"]))
    assert "This link is not right" in page_text(response)


@pytest.mark.parametrize(
    "address, message",
    [
        ("", "Enter your new email address"),
        ("not-an-address", "Enter an email address in the correct format, like name@example.com"),
        ("LEAD-A@example.org", "This is already your email address"),
    ],
)
def test_bad_addresses_are_explained_and_nothing_is_sent(client_for, lead_a, address, message):
    response = client_for(lead_a).post(reverse("account-email"), {"email": address})
    assert response.status_code == 200
    assert message in error_summary(response)
    assert not OutgoingEmail.objects.exists()


def test_a_cancelled_request_sends_no_link(client_for, lead_a):
    client = client_for(lead_a)
    ask(client, "first@example.org")
    ask(client, "second@example.org")
    assert outbox.deliver_waiting() == 1
    assert [m.to for m in mail.outbox] == [["second@example.org"]]
    statuses = dict(OutgoingEmail.objects.values_list("address", "status"))
    assert statuses == {"first@example.org": "cancelled", "second@example.org": "sent"}
