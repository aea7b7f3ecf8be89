"""The emails as they arrive: real messages through a real SMTP server, text and HTML."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from actions import reminders
from actions.models import Action, ExtensionRequest
from sscp import outbox
from tests.makers import agency_of, make_action, make_recommendation, make_review

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 12, 2)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def days_before(days: int, day=WEDNESDAY) -> datetime.datetime:
    """Ten in the morning in London, `days` before `day`."""
    return datetime.datetime.combine(
        day - datetime.timedelta(days=days), datetime.time(10), tzinfo=LONDON
    )


def bodies(message) -> tuple[str, str]:
    """The plain-text and HTML parts of a received message, decoded, with plain newlines."""
    parts = {
        part.get_content_type(): part.get_payload(decode=True)
        .decode(part.get_content_charset())
        .replace("\r\n", "\n")
        for part in message.walk()
        if not part.is_multipart()
    }
    return parts["text/plain"], parts["text/html"]


def received_by(smtp_server, address):
    [message] = [m for to, m in smtp_server.handler.messages if to == [address]]
    return message


def assert_readable_on_any_screen(html: str) -> None:
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r"max-width: ?\d+px", html)  # a readable measure, not the window's width
    # The service's name heads the message, before anything else is said.
    header = re.search(r"<body.*?Dear", html, re.S).group(0)
    assert "SSCP review tracker" in header


def test_the_chairs_digest_counts_the_days_waiting_not_the_days_overdue(
    silg_chair, lead_a, smtp_server
):
    """Issue 15, item 28: the SILG chair's lines say how long a decision has waited:
    since the submission for sign-off, since the request for an extension."""
    review = make_review(title="Freddie")
    make_action(
        make_recommendation(review), agency=agency_of(lead_a), status=Action.Status.SUBMITTED,
        title="Audit the plans", due_date=WEDNESDAY - datetime.timedelta(days=20),
        submitted_at=days_before(5),
    )  # fmt: skip
    wants_time = make_action(
        make_recommendation(review), agency=agency_of(lead_a), title="Train the staff",
        due_date=WEDNESDAY + datetime.timedelta(days=40),
    )  # fmt: skip
    ExtensionRequest.objects.create(
        action=wants_time, requested_by=lead_a, requested_at=days_before(1),
        due_date_at_request=wants_time.due_date,
        requested_due_date=wants_time.due_date + datetime.timedelta(days=30), reason="r",
    )  # fmt: skip

    reminders.sweep(day=WEDNESDAY)

    text, html = bodies(received_by(smtp_server, silg_chair.email))
    for body in (text, html):
        assert "Due 12 November 2026 (waiting 5 days)" in body
        assert "Due 11 January 2027 (waiting 1 day)" in body
        assert "overdue" not in body
    assert "Awaiting your sign-off: recommendation 1, Audit the plans\n" in text
    assert_readable_on_any_screen(html)


def test_an_agency_leads_digest_still_says_how_overdue(lead_a, smtp_server):
    """Issue 15, item 28: days overdue stay where they are meant: the agency's own work."""
    make_action(
        agency=agency_of(lead_a), owner=lead_a, title="Late work",
        due_date=WEDNESDAY - datetime.timedelta(days=8),
    )  # fmt: skip
    reminders.sweep(day=WEDNESDAY)
    text, html = bodies(received_by(smtp_server, lead_a.email))
    for body in (text, html):
        assert "Due 24 November 2026 (8 days overdue)" in body
    assert text.startswith("Dear Alex,")
    assert_readable_on_any_screen(html)


def test_the_password_reset_email_is_readable_on_any_screen(client, lead_a, smtp_server):
    """Issue 15, item 28: the reset email has the viewport, the service's name, a width."""
    client.post(reverse("password_reset"), {"email": lead_a.email})
    outbox.deliver_waiting()
    text, html = bodies(received_by(smtp_server, lead_a.email))
    assert_readable_on_any_screen(html)
    assert "Choose a new password" in html and "/password-reset/" in text
    assert "Your username is: lead-a" in text
