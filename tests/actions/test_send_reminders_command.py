import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from actions.models import Reminder
from tests.makers import agency_of, make_action, make_recommendation, make_review

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 12, 2)


@pytest.fixture
def due_actions(lead_a, lead_b):
    review = make_review(title="Freddie")
    make_action(make_recommendation(review), agency=agency_of(lead_a), owner=lead_a, due_date=DAY,
                title="Audit plans")  # fmt: skip
    make_action(make_recommendation(review), agency=agency_of(lead_a), owner=lead_a,
                due_date=DAY - datetime.timedelta(days=1))  # fmt: skip
    make_action(agency=agency_of(lead_b), owner=lead_b, due_date=DAY + datetime.timedelta(days=3))


def test_the_command_ends_with_one_line_of_figures(due_actions, capsys):
    call_command("send_reminders", "--date", "2026-12-02")
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "sent 2 emails to 2 recipients covering 3 actions"
    )
    assert len(mail.outbox) == 2
    call_command("send_reminders", "--date", "2026-12-02")
    assert capsys.readouterr().out.strip() == "sent 0 emails to 0 recipients covering 0 actions"


def test_a_dry_run_lists_who_would_get_what_and_records_nothing(due_actions, capsys):
    call_command("send_reminders", "--date", "2026-12-02", "--dry-run")
    out = capsys.readouterr().out
    assert (
        "lead-a <lead-a@example.org>: Due today: Freddie recommendation 1, Audit plans "
        "(due 2 December 2026)" in out
    )
    assert "lead-b <lead-b@example.org>: Due soon:" in out
    assert "would record 3 reminder(s) for 2 recipient(s)" in out
    assert not Reminder.objects.exists() and not mail.outbox


def test_a_bad_date_is_refused_with_a_clear_message():
    with pytest.raises(
        CommandError, match="--date must be a date like 2026-11-30, not “2-12-2026”"
    ):
        call_command("send_reminders", "--date", "2-12-2026")


def test_a_failed_recipient_is_named(due_actions, smtp_server, capsys):
    smtp_server.handler.refuse = {"lead-b@example.org"}
    call_command("send_reminders", "--date", "2026-12-02")
    captured = capsys.readouterr()
    assert (
        "Could not send to Bea Lead <lead-b@example.org>; it will be tried again." in captured.err
    )
    assert captured.out.strip() == "sent 1 email to 1 recipient covering 2 actions"
