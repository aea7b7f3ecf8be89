"""
The reminder outbox against real mail servers that misbehave: slow, stalled for one
person, silent for everyone. Nothing is lost and nothing is sent twice.

Deliveries that overlap run in threads, each with its own PostgreSQL connection, as
two Celery workers would.
"""

import datetime
import logging
import threading
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from actions import reminders
from actions.models import Reminder
from tests.makers import agency_of, make_action, make_lead
from tests.smtp import SilentServer

TODAY = datetime.date(2026, 12, 2)


def in_thread(work):
    """Run `work` in a thread, which Django gives its own database connection."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def leads_with_reminders(agency, count) -> list:
    """`count` agency leads, each owning an action due on TODAY, recorded in the outbox."""
    leads = [make_lead(agency, f"lead{n}") for n in range(count)]
    for lead in leads:
        make_action(agency=agency, owner=lead, due_date=TODAY, title=f"For {lead.username}")
    reminders.record(reminders.plan(TODAY), TODAY)
    return leads


def statuses() -> dict[str, str]:
    return dict(Reminder.objects.values_list("recipient__username", "status"))


@pytest.mark.postgres  # threads see only committed data: real transactions
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_overlapping_deliveries_send_each_digest_exactly_once(settings, smtp_server, agency_a):
    """Issue 15, item 1: a delivery still sending when the claim timeout has passed since it
    began (a slow server, 1 s a message) is not overtaken by the next delivery: every
    person gets one email, and the outbox says each was sent once."""
    settings.REMINDER_CLAIM_TIMEOUT_MINUTES = 0.04  # 2.4 s: the first delivery takes 8 s
    smtp_server.handler.delay = 1
    leads = leads_with_reminders(agency_a, 8)

    first, first_outcome = in_thread(reminders.deliver)
    # Three sent, so the first delivery began more than the claim timeout ago.
    assert smtp_server.handler.wait_for_messages(3)
    second, second_outcome = in_thread(reminders.deliver)
    first.join(timeout=60)
    second.join(timeout=60)

    received = smtp_server.handler.recipients()
    assert sorted(received) == sorted(lead.email for lead in leads)  # each exactly once
    assert first_outcome["result"].emails + second_outcome["result"].emails == 8
    assert second_outcome["result"].emails > 0  # the two really did share the work
    rows = Reminder.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


@pytest.mark.postgres  # threads see only committed data: real transactions
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_a_digest_sent_after_its_claim_was_taken_over_is_logged_as_an_error(
    settings, smtp_server, lead_a, caplog
):
    """Issue 15, item 1: if a send outlasts the claim timeout and another delivery takes
    the claim over, both send; the first one's "mark sent" then matches no row, and
    that is logged as an error naming the person, not passed over in silence."""
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=TODAY)
    reminders.record(reminders.plan(TODAY), TODAY)
    release = threading.Event()
    smtp_server.handler.hold = {lead_a.email: release}

    with caplog.at_level(logging.ERROR, logger="sscp.outbox"):
        first, first_outcome = in_thread(reminders.deliver)
        assert smtp_server.handler.holding.wait(timeout=10)  # the first send is under way
        # The send hangs past the claim timeout: the next delivery takes the claim over.
        Reminder.objects.update(
            claimed_at=F("claimed_at")
            - datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES + 1)
        )
        second = reminders.deliver()
        release.set()
        first.join(timeout=30)

    assert second.emails == 1 and first_outcome["result"].emails == 1
    assert smtp_server.handler.recipients() == [lead_a.email, lead_a.email]
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.getMessage() == (
        "A reminder digest to Alex Lead <lead-a@example.org> was sent, but another worker "
        "had taken over its claim meanwhile: it may have been sent twice"
    )
    assert Reminder.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_send_that_stalls_fails_that_person_only_and_is_sent_once_later(
    settings, smtp_server, agency_a
):
    """Issue 15, item 2: the mail server never answers for one person. Their send fails
    after EMAIL_TIMEOUT, the others' digests go, and once the server recovers the next
    run sends the stalled one, once."""
    settings.EMAIL_TIMEOUT = 1
    stalled, *others = leads_with_reminders(agency_a, 3)
    smtp_server.handler.stall = {stalled.email}

    started = time.monotonic()
    first = reminders.deliver()
    elapsed = time.monotonic() - started

    assert elapsed < 10  # one EMAIL_TIMEOUT for the stalled send, not for ever
    assert sorted(smtp_server.handler.recipients()) == sorted(lead.email for lead in others)
    assert first.emails == 2 and first.failed_recipients == [stalled]
    failed = Reminder.objects.get(recipient=stalled)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "timed out" in failed.last_error

    smtp_server.handler.recover()
    second = reminders.deliver()
    assert second.emails == 1
    assert smtp_server.handler.recipients().count(stalled.email) == 1
    assert set(statuses().values()) == {"sent"}


@pytest.mark.django_db
def test_a_mail_server_that_accepts_and_never_answers_does_not_hold_the_sweep(
    settings, smtp_server, agency_a, caplog
):
    """Issue 15, item 2: a server that takes the connection and says nothing. Each send
    fails after EMAIL_TIMEOUT; after three in a row the delivery stops, leaving the rest
    untouched for the next run; when the server is back, everyone gets one email."""
    settings.EMAIL_TIMEOUT = 0.5
    leads = leads_with_reminders(agency_a, 6)
    working_port = smtp_server.port

    with SilentServer() as silent, caplog.at_level(logging.WARNING, logger="actions.reminders"):
        settings.EMAIL_PORT = silent.port
        started = time.monotonic()
        first = reminders.deliver()
        elapsed = time.monotonic() - started

    assert elapsed < 5  # three timeouts of half a second, not six, and not for ever
    assert first.stopped_early and first.emails == 0
    assert first.failed_recipients == leads[:3]
    assert statuses() == {
        **{lead.username: "failed" for lead in leads[:3]},
        **{lead.username: "pending" for lead in leads[3:]},
    }
    assert (
        "The mail server is not answering: stopped after 3 failed sends in a row; "
        "3 recipients left waiting for the next run" in caplog.text
    )

    settings.EMAIL_PORT = working_port  # the server is back
    second = reminders.deliver()
    assert second.emails == 6
    assert sorted(smtp_server.handler.recipients()) == sorted(lead.email for lead in leads)
    assert set(statuses().values()) == {"sent"}


@pytest.mark.django_db
def test_a_refused_recipient_does_not_count_as_the_server_being_down(smtp_server, agency_a):
    """Issue 15, item 2: only the server failing stops a delivery; mailboxes that are
    refused one after another are each failed, and everyone else still hears."""
    leads = leads_with_reminders(agency_a, 5)
    smtp_server.handler.refuse = {lead.email for lead in leads[:4]}
    result = reminders.deliver()
    assert not result.stopped_early
    assert result.failed_recipients == leads[:4]
    assert smtp_server.handler.recipients() == [leads[4].email]


@pytest.mark.django_db
def test_people_claimed_together_each_get_one_digest_and_others_claims_are_left(
    smtp_server, agency_a, monkeypatch
):
    """A delivery claims people PEOPLE_PER_CLAIM at a time, each row to one worker only:
    a person another worker claimed first is left to it, everyone else hears once, in
    2 statements each and 2 a group."""
    monkeypatch.setattr(reminders, "PEOPLE_PER_CLAIM", 2)
    leads = leads_with_reminders(agency_a, 5)
    claim = reminders._claim

    def another_worker_first(*recipient_ids):
        if leads[2].pk in recipient_ids:  # a moment before this worker claims them
            assert claim(leads[2].pk) is not None
        return claim(*recipient_ids)

    monkeypatch.setattr(reminders, "_claim", another_worker_first)
    with CaptureQueriesContext(connection) as queries:
        result = reminders.deliver()

    others = [lead for lead in leads if lead != leads[2]]
    assert result.emails == 4
    assert sorted(smtp_server.handler.recipients()) == sorted(lead.email for lead in others)
    assert statuses() == {
        **{lead.username: "sent" for lead in others},
        leads[2].username: "sending",
    }
    claims_and_reads = [q for q in queries.captured_queries if "claim_token" in q["sql"]]
    # The other worker's claim; 3 groups (claim, read); 4 digests (confirm, mark sent).
    assert len(claims_and_reads) == 1 + 3 * 2 + 4 * 2


@pytest.mark.django_db
def test_people_claimed_and_not_reached_are_given_back_as_they_were(
    settings, smtp_server, agency_a
):
    """A delivery that stops early gives back, at once, the rows it had claimed for the
    people it did not reach: pending stays pending, and a row whose earlier send failed
    is failed still, with its error, for the next run."""
    settings.EMAIL_TIMEOUT = 0.5
    leads = leads_with_reminders(agency_a, 5)
    Reminder.objects.filter(recipient=leads[4]).update(
        status="failed", attempts=1, last_error="SMTPServerDisconnected: gone"
    )
    working_port = smtp_server.port
    with SilentServer() as silent:
        settings.EMAIL_PORT = silent.port
        first = reminders.deliver()
    assert first.stopped_early and first.failed_recipients == leads[:3]
    assert statuses() == {
        **{lead.username: "failed" for lead in leads[:3]},
        leads[3].username: "pending",
        leads[4].username: "failed",
    }
    given_back = Reminder.objects.get(recipient=leads[4])
    assert (given_back.attempts, given_back.last_error) == (1, "SMTPServerDisconnected: gone")

    settings.EMAIL_PORT = working_port  # the server is back
    second = reminders.deliver()  # at once: not after the claim timeout
    assert second.emails == 5
    assert set(statuses().values()) == {"sent"}


class TimeUpOnSecondSend:
    """A mail backend that sends one message, then finds the task's time is up."""

    sent: list[str] = []

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        if TimeUpOnSecondSend.sent:
            raise SoftTimeLimitExceeded()
        TimeUpOnSecondSend.sent.extend(message.to[0] for message in messages)
        return len(messages)


@pytest.mark.django_db
def test_a_delivery_whose_time_is_up_gives_back_the_people_it_did_not_reach(settings, agency_a):
    """The task's soft time limit during a send: that person's rows are failed, those of
    the people claimed with them and not reached are claimable again at once."""
    settings.EMAIL_BACKEND = f"{__name__}.TimeUpOnSecondSend"
    TimeUpOnSecondSend.sent = []
    leads = leads_with_reminders(agency_a, 4)
    with pytest.raises(SoftTimeLimitExceeded):
        reminders.deliver()
    assert TimeUpOnSecondSend.sent == [leads[0].email]
    assert statuses() == {
        leads[0].username: "sent",
        leads[1].username: "failed",
        leads[2].username: "pending",
        leads[3].username: "pending",
    }


@pytest.mark.django_db
def test_a_delivery_whose_time_is_up_before_a_send_begins_gives_that_person_back_too(
    smtp_server, agency_a, monkeypatch
):
    """The time limit while a digest is being written, before its send: nothing went, so
    that person's rows are claimable again at once, with the rest."""
    leads = leads_with_reminders(agency_a, 3)
    write = reminders.emails.reminder_digest

    def time_up_at_the_second(recipient, digest):
        if recipient == leads[1]:
            raise SoftTimeLimitExceeded()
        return write(recipient, digest)

    monkeypatch.setattr(reminders.emails, "reminder_digest", time_up_at_the_second)
    with pytest.raises(SoftTimeLimitExceeded):
        reminders.deliver()
    assert smtp_server.handler.recipients() == [leads[0].email]
    assert statuses() == {
        leads[0].username: "sent",
        leads[1].username: "pending",
        leads[2].username: "pending",
    }
