"""The reminder sweep: recipients, digests, once-only delivery, failures and time zones."""

import datetime
import logging
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import notices, reminders, services
from actions.models import Action, ExtensionRequest, Reminder
from sscp import roles
from sscp.permissions import person_scope
from tests.makers import (
    agency_of,
    bulk_actions,
    make_action,
    make_agency,
    make_evidence,
    make_lead,
    make_membership,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime.date(2026, 12, 2)
MONDAY = datetime.date(2026, 11, 30)
S = Action.Status


def due_in(days, day=WEDNESDAY):
    return day + datetime.timedelta(days=days)


def digests_to(address):
    return [m for m in mail.outbox if m.to == [address]]


@pytest.fixture
def partnership(db):
    return make_user("officer", role=roles.PARTNERSHIP_TEAM, email="officer@example.org")


@pytest.fixture
def chair(db):
    return make_user("chair", role=roles.SILG_CHAIR, email="chair@example.org")


def test_one_digest_per_recipient_grouped_by_review(lead_a):
    freddie = make_review(title="Freddie")
    clare = make_review(title="Clare")
    for review, days in [(clare, 3), (freddie, -1), (freddie, 14), (clare, 0)]:
        make_action(
            make_recommendation(review),
            agency=agency_of(lead_a),
            owner=lead_a,
            due_date=due_in(days),
        )
    result = reminders.sweep(day=WEDNESDAY)
    assert result.summary() == "sent 1 email to 1 recipient covering 4 actions"
    [digest] = mail.outbox
    assert digest.to == ["lead-a@example.org"]
    assert digest.subject == "4 actions for your attention – SSCP review tracker"
    body = digest.body
    assert body.index("Clare") < body.index("Freddie")
    assert body.count("Clare\n") == 1 and body.count("Freddie\n") == 1
    for kind in ["Due soon:", "Due today:", "Overdue:"]:
        assert kind in body
    html = digest.alternatives[0][0]
    assert "<h2" in html and "http://127.0.0.1:8000/test/actions/" in html


def test_a_digest_names_only_review_recommendation_title_date_and_link(lead_a, settings):
    settings.SITE_URL = "https://tracker.example.org"
    recommendation = make_recommendation(
        make_review(title="Liam"), number=4, text="Keep contact within 20 miles"
    )
    action = make_action(
        recommendation,
        agency=agency_of(lead_a), owner=lead_a, due_date=due_in(3), title="Agree contact standards",
        description="SECRET DESCRIPTION", success_measure="SECRET MEASURE",
    )  # fmt: skip
    reminders.sweep(day=WEDNESDAY)
    [digest] = mail.outbox
    for part in [digest.body, digest.alternatives[0][0]]:
        assert "Liam" in part and "recommendation 4" in part and "Agree contact standards" in part
        assert "5 December 2026" in part
        assert f"https://tracker.example.org/test/actions/{action.pk}/" in part
        assert "SECRET" not in part and "20 miles" not in part


def test_running_the_sweep_twice_on_one_day_sends_nothing_the_second_time(lead_a):
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-1))
    first = reminders.sweep(day=WEDNESDAY)
    second = reminders.sweep(day=WEDNESDAY)
    assert (first.emails, second.emails, second.recorded) == (1, 0, 0)
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().status == Reminder.Status.SENT


def test_without_an_owner_every_active_lead_with_an_email_hears(agency_a, lead_a):
    make_lead(agency_a, "second-lead")
    make_lead(agency_a, "left", is_active=False)
    make_lead(agency_a, "no-email", email="")
    make_action(agency=agency_a, owner=None, due_date=due_in(0))
    reminders.sweep(day=WEDNESDAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["lead-a@example.org", "second-lead@example.org"]


def test_an_inactive_owner_is_replaced_by_the_agency_leads(agency_a, lead_a):
    gone = make_lead(agency_a, "gone", is_active=False)
    make_action(agency=agency_a, owner=gone, due_date=due_in(0))
    reminders.sweep(day=WEDNESDAY)
    assert [m.to for m in mail.outbox] == [["lead-a@example.org"]]


def test_escalations_reach_the_partnership_team_and_then_the_chair(lead_a, partnership, chair):
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-29), title="A month late")
    reminders.sweep(day=WEDNESDAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["lead-a@example.org", "officer@example.org"]
    assert "Overdue: escalated to you" in digests_to("officer@example.org")[0].body

    mail.outbox.clear()
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-57, WEDNESDAY))
    reminders.sweep(day=WEDNESDAY)
    assert "chair@example.org" in [m.to[0] for m in mail.outbox]


def test_the_chair_hears_of_submissions_and_extension_requests_awaiting_a_decision(lead_a, chair):
    make_action(agency=agency_of(lead_a), status=S.SUBMITTED, title="Awaiting sign-off")
    pending = make_action(agency=agency_of(lead_a), title="Wants more time", due_date=due_in(40))
    ExtensionRequest.objects.create(
        action=pending, requested_by=lead_a, due_date_at_request=pending.due_date,
        requested_due_date=due_in(80), reason="r",
    )  # fmt: skip
    reminders.sweep(day=WEDNESDAY)
    [digest] = digests_to("chair@example.org")
    assert "Awaiting your sign-off: recommendation 1, Awaiting sign-off" in digest.body
    assert (
        "Extension request awaiting your decision: recommendation 1, Wants more time" in digest.body
    )
    assert not digests_to("lead-a@example.org")


def test_a_long_digest_lists_the_earliest_due_and_counts_the_rest(lead_a, chair, settings):
    settings.REMINDER_DIGEST_LINES = 2
    for days, title in [(-8, "Eight days late"), (-1, "One day late"), (-15, "Fifteen late")]:
        make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(days), title=title)
    make_action(agency=agency_of(lead_a), status=S.SUBMITTED, title="Submitted")
    reminders.sweep(day=WEDNESDAY)
    [digest] = digests_to("lead-a@example.org")
    body = digest.body
    assert "3 actions in the SSCP review tracker need your attention." in body
    assert "Fifteen late" in body and "Eight days late" in body
    assert "One day late" not in body  # due last: counted, not listed
    assert "- Overdue: 3\n" in body
    assert "And 1 more reminder, not listed here: http://127.0.0.1:8000/" in body
    html = digest.alternatives[0][0]
    assert "<li>Overdue: 3</li>" in html and "One day late" not in html
    [chair_digest] = digests_to("chair@example.org")
    assert "not listed" not in chair_digest.body  # one reminder: nothing held back


def test_digest_counts_are_written_with_thousands_separators(lead_a, settings):
    settings.REMINDER_DIGEST_LINES = 2
    bulk_actions(1_204, agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-1))
    reminders.sweep(day=WEDNESDAY)
    [digest] = digests_to("lead-a@example.org")
    assert digest.subject == "1,204 actions for your attention – SSCP review tracker"
    assert "1,204 actions in the SSCP review tracker need your attention." in digest.body
    assert "- Overdue: 1,204\n" in digest.body
    assert "And 1,202 more reminders, not listed here" in digest.body
    assert "<li>Overdue: 1,204</li>" in digest.alternatives[0][0]


def test_weekly_readers_hear_of_upcoming_work_on_mondays_only(lead_a, chair):
    lead_a.reminder_frequency = chair.reminder_frequency = "weekly"
    lead_a.save()
    chair.save()
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(14), title="Upcoming")
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-1), title="Overdue one")
    make_action(agency=agency_of(lead_a), status=S.SUBMITTED, title="Awaiting sign-off")
    reminders.sweep(day=WEDNESDAY)
    [digest] = mail.outbox
    assert "Overdue one" in digest.body and "Upcoming" not in digest.body  # never held back

    mail.outbox.clear()
    next_monday = datetime.date(2026, 12, 7)
    reminders.sweep(day=next_monday)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Upcoming" in bodies["lead-a@example.org"]  # due in 9 days
    assert "Awaiting sign-off" in bodies["chair@example.org"]


def test_reminders_stop_once_submitted_and_follow_a_changed_due_date(lead_a, partnership):
    submitted = make_action(
        agency=agency_of(lead_a), owner=lead_a, due_date=due_in(0), title="Submitted"
    )
    moved = make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(3), title="Moved")
    reminders.record(reminders.plan(WEDNESDAY), WEDNESDAY)  # recorded, not yet sent
    make_evidence(submitted, uploaded_by=lead_a)
    services.action_submit(actor=lead_a, action=submitted, completion_statement="Done")
    services.action_correct_due_date(
        actor=partnership, action=moved, due_date=due_in(20), reason="Board agreed"
    )
    result = reminders.deliver()
    assert result.emails == 0 and result.cancelled == 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}
    # The new date brings its own reminders in due course.
    reminders.sweep(day=due_in(17))
    assert "Moved" in mail.outbox[0].body


def test_reminders_follow_a_new_owner(agency_a, lead_a, partnership):
    newcomer = make_lead(agency_a, "newcomer")
    action = make_action(agency=agency_a, owner=lead_a, due_date=due_in(0))
    reminders.record(reminders.plan(WEDNESDAY), WEDNESDAY)
    services.action_update(
        actor=partnership, action=action, owner=newcomer, title=action.title,
        description="d", success_measure="m",
    )  # fmt: skip
    reminders.sweep(day=WEDNESDAY)
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]


def test_a_returned_action_is_notified_the_same_day(
    lead_a, silg_chair, django_capture_on_commit_callbacks
):
    """A decision notice now (actions.notices), through its own outbox: delivered by the
    same after-commit delivery, or beat's every few minutes."""
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=S.SUBMITTED)
    with django_capture_on_commit_callbacks() as callbacks:
        services.action_return(actor=silg_chair, action=action, comment="Upload the final version")
    assert len(callbacks) == 1  # delivery is asked for only once the return has committed
    notices.deliver()
    [email] = mail.outbox
    assert "Sam Chair returned" in email.body
    assert "Upload the final version" not in email.body  # comments stay in the service


def test_one_recipients_mail_failure_does_not_stop_the_others(smtp_server, agency_a, lead_a):
    broken = make_lead(agency_a, "broken", email="broken@example.org")
    other_agency_lead = make_lead(make_agency(), "other")
    make_action(agency=agency_a, owner=broken, due_date=due_in(0), title="To the broken mailbox")
    make_action(agency=agency_a, owner=lead_a, due_date=due_in(0), title="To lead A")
    make_action(agency=agency_of(other_agency_lead), owner=other_agency_lead, due_date=due_in(-1))
    smtp_server.handler.refuse = {"broken@example.org"}

    result = reminders.sweep(day=WEDNESDAY)

    assert sorted(smtp_server.handler.recipients()) == ["lead-a@example.org", "other@example.org"]
    assert result.emails == 2 and result.failed_recipients == [broken]
    failed = Reminder.objects.get(recipient=broken)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "Mailbox unavailable" in failed.last_error

    smtp_server.handler.refuse = set()  # the mailbox is fixed; the next run retries it
    retry = reminders.sweep(day=WEDNESDAY)
    assert retry.emails == 1 and smtp_server.handler.recipients()[-1] == "broken@example.org"
    assert Reminder.objects.get(recipient=broken).status == "sent"


def test_a_worker_killed_mid_sweep_repeats_at_most_the_email_in_flight(settings, agency_a):
    leads = [make_lead(agency_a, f"lead{n}") for n in range(4)]
    for lead in leads:
        make_action(agency=agency_a, owner=lead, due_date=due_in(0))
    settings.EMAIL_BACKEND = "tests.actions.test_reminder_sweep.DiesAfterSecondSend"
    DiesAfterSecondSend.sent = []
    with pytest.raises(SystemExit):
        reminders.sweep(day=WEDNESDAY)
    assert len(DiesAfterSecondSend.sent) == 2  # the second went out, then the worker died

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16), tick=False):
        reminders.sweep(day=WEDNESDAY)  # run again once the dead worker's claim has timed out
    delivered = DiesAfterSecondSend.sent + [m.to[0] for m in mail.outbox]
    counts = {lead.email: delivered.count(lead.email) for lead in leads}
    assert sorted(counts.values()) == [1, 1, 1, 2]
    assert counts[DiesAfterSecondSend.sent[-1]] == 2  # the repeat is the one in flight
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


class DiesAfterSecondSend:
    """A mail backend that sends, then has its worker killed on the second message."""

    sent: list[str] = []

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            DiesAfterSecondSend.sent.append(message.to[0])
            if len(DiesAfterSecondSend.sent) == 2:
                raise SystemExit("worker killed")
        return len(messages)


def test_a_claim_is_won_by_one_worker_only(lead_a):
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(0))
    reminders.record(reminders.plan(WEDNESDAY), WEDNESDAY)
    assert reminders._claim(lead_a.pk) is not None
    assert reminders._claim(lead_a.pk) is None  # the second worker gets nothing
    assert reminders.deliver().emails == 0


def test_a_worker_whose_claim_was_taken_over_before_it_sent_sends_nothing(lead_a, settings, caplog):
    """Issue 15, item 1: a claim is confirmed just before its digest is sent. A worker
    that stalled past the claim timeout, its rows taken over meanwhile, sends nothing;
    the worker that took them over sends the one digest."""
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(0))
    reminders.record(reminders.plan(WEDNESDAY), WEDNESDAY)
    stalled = reminders._claim(lead_a.pk)
    rows = Reminder.objects.filter(recipient=lead_a)
    lines = [reminders.Line(*row) for row in rows.values_list(*reminders.LINE_FIELDS)]
    later = timezone.now() + datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES + 1)
    with (
        time_machine.travel(later, tick=False),
        caplog.at_level(logging.WARNING, logger="actions.reminders"),
    ):
        taken_over = reminders._claim(lead_a.pk)
        assert taken_over is not None
        scope = person_scope(lead_a)
        reminders._send_digest(lead_a, rows, stalled, lines, reminders.SweepResult(), scope)
        assert not mail.outbox
        assert "Reminders to Alex Lead were taken over by another worker" in caplog.text
        result = reminders.SweepResult()
        reminders._send_digest(lead_a, rows, taken_over, lines, result, scope)
    assert [m.to for m in mail.outbox] == [[lead_a.email]] and result.emails == 1
    assert Reminder.objects.get().status == "sent"


LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "utc_moment, london_day",
    [
        # The clocks go back at 02:00 BST on 25 October 2026: 23:30 UTC on the 24th is
        # already the 25th in London, where the partnership's day is counted.
        (datetime.datetime(2026, 10, 24, 23, 30, tzinfo=datetime.UTC), datetime.date(2026, 10, 25)),
        # The clocks go forward at 01:00 GMT on 29 March 2026: still the 28th at 23:59 UTC.
        (datetime.datetime(2026, 3, 28, 23, 59, tzinfo=datetime.UTC), datetime.date(2026, 3, 28)),
        (datetime.datetime(2026, 3, 29, 0, 0, tzinfo=datetime.UTC), datetime.date(2026, 3, 29)),
    ],
)
def test_the_day_is_the_partnerships_day_across_a_clock_change(lead_a, utc_moment, london_day):
    make_action(
        agency=agency_of(lead_a), owner=lead_a, due_date=london_day, title="Due on the London day"
    )
    with time_machine.travel(utc_moment, tick=False):
        result = reminders.sweep()
    assert result.day == london_day
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.reminder_date) == ("due_today", london_day)
    assert utc_moment.astimezone(LONDON).date() == london_day


@pytest.mark.parametrize("actions", [10, 200])
def test_the_sweep_queries_do_not_grow_with_actions(lead_a, actions):
    recommendation = make_recommendation(agencies=[agency_of(lead_a)])
    for n in range(actions):
        due = due_in([0, -1, 3, 14, 40][n % 5])
        make_action(recommendation, agency=agency_of(lead_a), owner=lead_a, due_date=due)
    with CaptureQueriesContext(connection) as queries:
        result = reminders.sweep(day=WEDNESDAY)
    assert result.emails == 1 and len(result.actions) == actions * 4 // 5
    # Reading and updating: 11 queries to plan and to open the outbox; 2 to claim and read
    # the rows of up to PEOPLE_PER_CLAIM recipients, and 2 for each (confirm the claim just
    # before sending, mark sent: issue 15, item 1). And 2 for the reminders about reviews'
    # statutory deadlines (issue 18): the planning's and the delivery's reading of the
    # reviews (none here: their progress checks and closure days are read only when there
    # are some). And 1 for the decision notices of those who chose the daily digest (issue
    # 20; none here). Writing the outbox is one statement for every row (executemany on
    # SQLite; COPY into a temporary table and one INSERT on PostgreSQL). On PostgreSQL the
    # sweep and the delivery each also step past the row-level security and back
    # (sscp.database.every_partnership): set_config, not counted here.
    reads_and_updates = [
        q
        for q in queries.captured_queries
        if q["sql"].split()[0] in {"SELECT", "UPDATE"} and "set_config(" not in q["sql"]
    ]
    assert len(reads_and_updates) == 11 + 4 + 2 + 1
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"].split()[:3]]
    assert len(inserts) == 1


# Partnerships (issue 17, item 2) -----------------------------------------------------


def test_a_lead_of_an_agency_in_two_partnerships_gets_one_digest_grouped_by_partnership(db):
    """One email a day covering both, each partnership under its own heading, each link
    in the partnership it belongs to; a lead of the agency in one partnership only, and
    the other partnership's team, hear only of their own."""
    south, ports = make_partnership("south"), make_partnership("ports")
    police = make_agency(name="Hampshire Constabulary", partnerships=[south, ports])
    both = make_user("both", role=roles.AGENCY_LEAD, agency=police, partnership=south)
    make_membership(both, role=roles.AGENCY_LEAD, agency=police, partnership=ports)
    make_user("only-south", role=roles.AGENCY_LEAD, agency=police, partnership=south)
    make_user("ports-team", role=roles.PARTNERSHIP_TEAM, partnership=ports)
    south_action = make_action(
        make_recommendation(make_review(title="Liam", partnership=south), agencies=[police]),
        agency=police, title="Chronology training", due_date=due_in(-1),
    )  # fmt: skip
    ports_action = make_action(
        make_recommendation(make_review(title="Child B", partnership=ports), agencies=[police]),
        agency=police, title="Missing-from-home protocol", due_date=due_in(-29),
    )  # fmt: skip

    reminders.sweep(day=WEDNESDAY)

    [digest] = digests_to("both@example.org")
    body = digest.body
    assert body.index("PORTS SAFEGUARDING CHILDREN PARTNERSHIP") < body.index("Child B")
    assert body.index("SOUTH SAFEGUARDING CHILDREN PARTNERSHIP") < body.index("Liam")
    assert f"/south/actions/{south_action.pk}/" in body
    assert f"/ports/actions/{ports_action.pk}/" in body
    [own] = digests_to("only-south@example.org")
    assert "Chronology training" in own.body and "Missing-from-home" not in own.body
    assert "PARTNERSHIP" not in own.body  # one partnership: no partnership headings
    [escalated] = digests_to("ports-team@example.org")  # 29 days overdue: to the team
    assert "Missing-from-home protocol" in escalated.body
    assert "Chronology training" not in escalated.body


def test_a_leaver_gets_no_reminders(lead_a):
    """Reminders go to current members only: a membership ended, nothing more is sent."""
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=due_in(-1))
    membership = lead_a.memberships.get()
    membership.ended_at = timezone.now()
    membership.save()
    reminders.sweep(day=WEDNESDAY)
    assert digests_to(lead_a.email) == []
