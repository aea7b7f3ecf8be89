"""Asking for a new password: one path for every address, rate limits, sent by the outbox."""

import re
from email.header import decode_header, make_header

import pytest
import time_machine
from django.core import mail
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from sscp import outbox
from sscp.models import OutgoingEmail
from tests import mail_support
from tests.mail_support import celery, process_env, wait_until, worker_arguments
from tests.makers import make_user
from tests.pages import text
from tests.sscp import test_sign_in_protection

pytestmark = pytest.mark.django_db
private_broker = mail_support.private_broker  # fixtures
cache_down = test_sign_in_protection.cache_down

LINK = re.compile(r"https?://[^/\s]+(/password-reset/[^/\s]+/[^/\s]+/)")


def ask(client, address, **extra):
    return client.post(reverse("password_reset"), {"email": address}, **extra)


def error_summary(response) -> str:
    found = re.search(
        r'<div class="govuk-error-summary".*?</div>\s*</div>', response.content.decode(), re.S
    )
    return text(found.group(0)) if found else ""


def test_the_page_asks_for_the_email_address(client):
    page = client.get(reverse("password_reset")).content.decode()
    assert "Reset your password" in page and 'autocomplete="email"' in page


@pytest.mark.parametrize(
    "address, message",
    [
        ("", "Enter your email address"),
        ("not-an-address", "Enter an email address in the correct format, like name@example.com"),
        ("a" * 250 + "@example.org", "Email address must be 254 characters or fewer"),
    ],
)
def test_a_missing_or_malformed_address_is_explained_in_govuk_words(client, address, message):
    """Issue 15, item 13: the errors name the field, in GOV.UK's words."""
    response = ask(client, address)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert '<a href="#id_email">' in response.content.decode()
    assert not OutgoingEmail.objects.exists()


def test_a_known_and_an_unknown_address_do_the_same_work_and_get_the_same_answer(
    client, lead_a, django_assert_num_queries
):
    """Issue 15, item 13: the request does not look for the account. Both addresses run
    the same queries (one row into the outbox) and get the same answer."""
    with django_assert_num_queries(3):  # a savepoint, the outbox row, its release
        known = ask(client, "lead-a@example.org")
    with django_assert_num_queries(3):
        unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert known.content == unknown.content
    rows = OutgoingEmail.objects.order_by("pk")
    assert [(r.address, r.status) for r in rows] == [
        ("lead-a@example.org", "pending"),
        ("nobody@example.org", "pending"),
    ]
    assert not mail.outbox  # nothing is sent while the request waits


def test_the_worker_sends_the_link_to_the_account_and_cancels_the_unknown_address(client, lead_a):
    """Issue 15, item 13: the outbox finds the accounts when it sends, not the request."""
    ask(client, "LEAD-A@example.org")  # addresses match whatever their case
    ask(client, "nobody@example.org")
    assert outbox.deliver_waiting() == 1
    assert [m.to for m in mail.outbox] == [["lead-a@example.org"]]
    statuses = dict(OutgoingEmail.objects.values_list("address", "status"))
    assert statuses == {"LEAD-A@example.org": "sent", "nobody@example.org": "cancelled"}
    assert outbox.deliver_waiting() == 0  # sent once, whatever runs again


def test_nothing_secret_waits_in_the_outbox(client, lead_a):
    """Issue 15, item 13: the reset link is made when the message is sent."""
    ask(client, lead_a.email)
    outbox.deliver_waiting()
    [email] = mail.outbox
    token = LINK.search(email.body).group(1).strip("/").split("/")[-1]
    row = OutgoingEmail.objects.get()
    assert token not in str(model_to_dict(row))
    assert row.sent_at is not None and row.attempts == 1


def test_inactive_accounts_and_accounts_without_a_password_get_no_link(client):
    make_user("left", email="shared@example.org", is_active=False)
    no_password = make_user("sso", email="shared@example.org")
    no_password.set_unusable_password()
    no_password.save()
    ask(client, "shared@example.org")
    outbox.deliver_waiting()
    assert not mail.outbox
    assert OutgoingEmail.objects.get().status == "cancelled"


def test_four_requests_for_one_address_in_a_minute_send_three_emails(client, lead_a, smtp_server):
    """Issue 15, item 13: PASSWORD_RESET_RATE (3 an hour) per address asked for. The
    fourth request is told to wait, in GOV.UK's words, and nothing more is sent."""
    with time_machine.travel(timezone.now(), tick=False):
        answers = [ask(client, "lead-a@example.org") for _ in range(4)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    summary = error_summary(answers[3])
    assert re.search(
        r"Wait (\d+ minutes?|1 hour) before asking for another link for this email address",
        summary,
    ), summary
    assert "There is a problem" in summary
    outbox.deliver_waiting()
    assert smtp_server.handler.recipients() == ["lead-a@example.org"] * 3


def test_an_unknown_address_is_limited_the_same_way(client, lead_a):
    """Issue 15, item 13: the limit says nothing about whether the address has an account."""
    with time_machine.travel(timezone.now(), tick=False):
        known = [ask(client, "lead-a@example.org").status_code for _ in range(4)]
        unknown = [ask(client, "nobody@example.org").status_code for _ in range(4)]
    assert known == unknown == [302, 302, 302, 429]


def test_one_client_asking_for_many_addresses_is_limited(client, lead_a):
    """Issue 15, item 13: PASSWORD_RESET_CLIENT_RATE (20 an hour) per client address,
    whatever addresses it asks for; another client is not affected."""
    with time_machine.travel(timezone.now(), tick=False):
        answers = [
            ask(client, f"person{n}@example.org", REMOTE_ADDR="198.51.100.7") for n in range(21)
        ]
        other = ask(client, "lead-a@example.org", REMOTE_ADDR="203.0.113.9")
    assert [a.status_code for a in answers] == [302] * 20 + [429]
    assert re.search(
        r"Wait (\d+ minutes?|1 hour) before asking for another password reset link",
        error_summary(answers[20]),
    )
    assert other.status_code == 302
    assert OutgoingEmail.objects.count() == 21


@pytest.mark.parametrize("fail_open", [False, True])
def test_with_the_cache_down_the_limits_follow_ratelimit_fail_open(
    client, settings, cache_down, fail_open
):
    """Issue 15, item 13: with Redis down nothing can be counted. RATELIMIT_FAIL_OPEN off
    (the setting's default) asks the person to wait; on, the request goes ahead."""
    settings.RATELIMIT_FAIL_OPEN = fail_open
    response = ask(client, "someone@example.org")
    if fail_open:
        assert response.status_code == 302 and OutgoingEmail.objects.count() == 1
    else:
        assert response.status_code == 429 and not OutgoingEmail.objects.exists()
        assert "Wait 1 minute before asking for another password reset link" in error_summary(
            response
        )


def test_the_link_arrives_through_a_real_mail_server_and_works(client, lead_a, smtp_server):
    """Issue 15, item 13: sent by the outbox, through SMTP, with a link that works once."""
    ask(client, "lead-a@example.org")
    outbox.deliver_waiting()
    [(to, message)] = smtp_server.handler.messages
    assert to == ["lead-a@example.org"]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Reset your password – SSCP review tracker"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    link = LINK.search(body).group(1)
    form_page = client.get(link, follow=True)
    new = {
        "new_password1": "a-Much-better-passphrase-9",
        "new_password2": "a-Much-better-passphrase-9",
    }
    done = client.post(form_page.redirect_chain[-1][0], new, follow=True)
    assert "Your password has been changed" in done.content.decode()
    signed_in = client.post(
        reverse("login"), {"username": "lead-a", "password": "a-Much-better-passphrase-9"}
    )
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


def test_a_failed_send_stays_in_the_outbox_and_goes_once_later(client, lead_a, smtp_server):
    """Issue 15, item 13: a mail failure loses nothing; the next delivery sends it once."""
    smtp_server.handler.refuse = {"lead-a@example.org"}
    ask(client, "lead-a@example.org")
    assert outbox.deliver_waiting() == 0
    row = OutgoingEmail.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "Mailbox unavailable" in row.last_error

    smtp_server.handler.refuse = set()
    assert outbox.deliver_waiting() == 1
    assert smtp_server.handler.recipients() == ["lead-a@example.org"]
    assert OutgoingEmail.objects.get().status == "sent"


def test_a_row_claimed_by_one_worker_is_not_sent_by_another(client, lead_a):
    """Issue 15, item 13: account emails are claimed exactly as the reminders are."""
    ask(client, "lead-a@example.org")
    row = OutgoingEmail.objects.get()
    assert outbox.claim(OutgoingEmail.objects.filter(pk=row.pk)) is not None  # worker one
    assert outbox.deliver(row.pk) is False  # worker two gets nothing
    assert not mail.outbox


@pytest.mark.postgres  # the worker is another process: it sees only committed data
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_a_worker_sends_the_link_once_the_request_has_committed(
    tmp_path, private_broker, client, lead_a, smtp_server
):
    """Issue 15, item 13: the request queues the delivery after commit; a real Celery
    worker (through a real Redis) sends the link through a real SMTP server."""
    env = process_env(
        broker_url=private_broker.url, email_url=f"smtp://127.0.0.1:{smtp_server.port}"
    )
    with celery(*worker_arguments(), env=env, log=tmp_path / "worker.log"):
        assert ask(client, "lead-a@example.org").status_code == 302
        assert smtp_server.handler.wait_for_messages(1, timeout=60)
        wait_until(lambda: OutgoingEmail.objects.get().status == "sent", timeout=10)
    [(to, message)] = smtp_server.handler.messages
    assert to == ["lead-a@example.org"]
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert "https://tracker.example.org/password-reset/" in body  # the worker's SITE_URL
    link = LINK.search(body).group(1)
    assert "Choose a new password" in client.get(link, follow=True).content.decode()
