"""Reminders of a review's statutory deadlines (issue 18, item 3): in the same once-only
outbox and daily digest as the actions', to the partnership team and the SILG chair of
every partnership that commissioned the review, counted in working days across Christmas
2026 (aware on Monday 14 December: notification due Monday 21 December)."""

import datetime
import zoneinfo
from contextlib import contextmanager

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from actions import reminders
from actions.models import Reminder
from reviews import journey
from reviews import services as review_services
from reviews.models import ProgressCheck, Review
from sscp import database, roles
from tests.makers import (
    agency_of,
    default_partnership,
    make_action,
    make_closure_day,
    make_partnership,
    make_recommendation,
    make_review,
    make_user,
    share_review,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")
AWARE = D(2026, 12, 14)  # a Monday
NOTIFICATION_DUE = D(2026, 12, 21)
FRIDAY_BEFORE = D(2026, 12, 18)  # the working day before the notification is due
NOTIFICATION = "Notification to the National Panel"
Kind = Reminder.Kind


@contextmanager
def on(day: datetime.date):
    """It is 07:00 in London on `day`, when beat runs the sweep."""
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(7), LONDON), tick=False):
        yield


def sweep_on(day):
    with on(day):
        return reminders.sweep()


def digest_to(user):
    [digest] = [m for m in mail.outbox if m.to == [user.email]]
    return digest


@pytest.fixture
def team(partnership_officer):
    return partnership_officer


@pytest.fixture
def chair(silg_chair):
    return silg_chair


@pytest.fixture
def incident(team, chair):
    """Child A: the local authority became aware on Monday 14 December 2026; the
    partnership has its team and its SILG chair."""
    with on(AWARE):
        return review_services.incident_record(
            actor=team,
            partnership=default_partnership(),
            child_pseudonym="Child A",
            became_aware_on=AWARE,
            summary="Concerns raised by the school nurse",
        )


def test_the_digest_the_working_day_before_a_deadline_names_it_once(incident, team, chair):
    result = sweep_on(FRIDAY_BEFORE)
    assert result.summary() == "sent 2 emails to 2 recipients covering 0 actions and 1 review"
    for person in (team, chair):
        digest = digest_to(person)
        assert digest.subject == "1 review for your attention – SSCP review tracker"
        body, html = digest.body, digest.alternatives[0][0]
        line = f"{NOTIFICATION}: due 21 December 2026 (1 working day left)"
        assert body.count(NOTIFICATION) == 1 and line in body
        assert body.count("Child A\n") == 1
        assert "1 review in the SSCP review tracker needs your attention." in body
        link = f"http://127.0.0.1:8000/test/reviews/{incident.pk}/"
        assert link in body and f'href="{link}"' in html
        assert html.count(NOTIFICATION) == 1 and "due 21 December 2026 (1 working day left)" in html
        # Only the pseudonym, the stage, the date and a link leave the service.
        assert "school nurse" not in body and "school nurse" not in html
        assert "Rapid review" not in body  # waits for the notification: nothing due yet
    assert Reminder.objects.filter(kind=Kind.STAGE_UPCOMING, stage="notification").count() == 2


def test_five_working_days_before_and_never_on_a_day_off(incident, team):
    assert sweep_on(AWARE).emails == 2  # 14 December: 5 working days left
    assert "(5 working days left)" in digest_to(team).body
    mail.outbox.clear()
    for quiet in [D(2026, 12, 15), D(2026, 12, 17), D(2026, 12, 19), D(2026, 12, 20)]:
        assert sweep_on(quiet).emails == 0, quiet  # 4, 2 left; a weekend: nothing
    assert not mail.outbox


def test_running_the_sweep_twice_sends_nothing_twice(incident, team):
    first = sweep_on(FRIDAY_BEFORE)
    second = sweep_on(FRIDAY_BEFORE)
    assert (first.emails, second.recorded, second.emails) == (2, 0, 0)
    assert len(mail.outbox) == 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_recording_the_stage_before_delivery_cancels_the_waiting_reminder(incident, team):
    with on(FRIDAY_BEFORE):
        reminders.record(reminders.plan(FRIDAY_BEFORE), FRIDAY_BEFORE)
        review_services.journey_record(
            actor=team, review=incident, stage="notification", values={"notified_on": AWARE}
        )
        result = reminders.deliver()
    assert (result.emails, result.cancelled) == (0, 2)
    assert not mail.outbox
    # The rapid review's clock now runs from the notification: due 7 January 2027, and
    # reminded the working day before (5 January; the 1st is a bank holiday).
    assert sweep_on(D(2027, 1, 6)).emails == 2
    assert "Rapid review: due 7 January 2027 (1 working day left)" in digest_to(team).body


def test_due_today_and_overdue_across_christmas(incident, team):
    sweep_on(NOTIFICATION_DUE)
    assert f"{NOTIFICATION}: due 21 December 2026 (today)" in digest_to(team).body
    mail.outbox.clear()
    sweep_on(D(2026, 12, 22))
    assert f"{NOTIFICATION}: due 21 December 2026 (1 working day overdue)" in digest_to(team).body
    mail.outbox.clear()
    # Then every 7 working days: past Christmas Day, the substitute Boxing Day (Monday
    # 28 December) and New Year's Day, the 8th working day late is Tuesday 5 January.
    for quiet in [D(2026, 12, 23), D(2026, 12, 29), D(2027, 1, 4)]:
        assert sweep_on(quiet).emails == 0, quiet
    sweep_on(D(2027, 1, 5))
    assert "due 21 December 2026 (8 working days overdue)" in digest_to(team).body
    kinds = sorted(set(Reminder.objects.values_list("kind", flat=True)))
    assert kinds == [Kind.STAGE_DUE_TODAY, Kind.STAGE_OVERDUE]


def test_an_overdue_line_counts_working_days(incident, team, settings):
    settings.REMINDER_OVERDUE_EVERY_DAYS = 1
    sweep_on(D(2026, 12, 23))
    assert f"{NOTIFICATION}: due 21 December 2026 (2 working days overdue)" in digest_to(team).body


def test_a_partnerships_closure_day_moves_the_reminder(incident, team):
    make_closure_day(partnership=default_partnership(), date=D(2026, 12, 17), reason="x")
    # Closed on Thursday the 17th: the notification is due on the 22nd, and the working
    # day before it is Monday the 21st.
    assert sweep_on(FRIDAY_BEFORE).emails == 0
    sweep_on(NOTIFICATION_DUE)
    assert f"{NOTIFICATION}: due 22 December 2026 (1 working day left)" in digest_to(team).body


def test_a_joint_reviews_other_partnership_hears_too_through_its_own_address(incident, team):
    ports = make_partnership("ports")
    ports_team = make_user("ports-team", role=roles.PARTNERSHIP_TEAM, partnership=ports)
    ports_chair = make_user("ports-chair", role=roles.SILG_CHAIR, partnership=ports)
    make_user("elsewhere", role=roles.PARTNERSHIP_TEAM, partnership=make_partnership("other"))
    share_review(incident, ports)
    sweep_on(FRIDAY_BEFORE)
    for person in (ports_team, ports_chair):
        body = digest_to(person).body
        assert f"{NOTIFICATION}: due 21 December 2026 (1 working day left)" in body
        assert f"http://127.0.0.1:8000/ports/reviews/{incident.pk}/" in body
    assert f"/test/reviews/{incident.pk}/" in digest_to(team).body
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chair@example.org", "officer@example.org", "ports-chair@example.org",
        "ports-team@example.org",
    ]  # fmt: skip


def test_a_lead_hears_nothing_of_stages(incident, lead_a, team):
    sweep_on(FRIDAY_BEFORE)
    assert not [m for m in mail.outbox if m.to == [lead_a.email]]
    assert not Reminder.objects.filter(recipient=lead_a).exists()


def test_someone_no_longer_active_gets_nothing_waiting(incident, team, chair):
    with on(FRIDAY_BEFORE):
        reminders.record(reminders.plan(FRIDAY_BEFORE), FRIDAY_BEFORE)
        chair.is_active = False
        chair.save()
        result = reminders.deliver()
    assert (result.emails, result.cancelled) == (1, 1)
    assert [m.to for m in mail.outbox] == [[team.email]]


# Progress checks of a local review (Regulation 14) ---------------------------------------


@pytest.fixture
def local_review(team, chair):
    """Liam's local review, commissioned on Monday 4 January 2027: its first progress
    check is due six weeks later, on Monday 15 February."""
    return make_review(
        title="Liam",
        child_pseudonym="Liam",
        became_aware_on=D(2026, 11, 2),
        notified_on=D(2026, 11, 3),
        rapid_review_started_on=D(2026, 11, 4),
        rapid_review_completed_on=D(2026, 11, 16),
        rapid_review_sent_on=D(2026, 11, 17),
        decision=Review.Decision.LOCAL_REVIEW,
        decision_rationale="Learning for several agencies",
        decided_on=D(2026, 11, 17),
        local_review_commissioned_on=D(2027, 1, 4),
    )


def test_a_local_reviews_progress_check_is_prompted_when_due(local_review, team, chair):
    assert sweep_on(D(2027, 2, 12)).emails == 0
    sweep_on(D(2027, 2, 15))
    line = "Progress check of the local review: due 15 February 2027 (today)"
    for person in (team, chair):
        body = digest_to(person).body
        assert "Liam\n" in body and line in body
        assert "Local child safeguarding practice review" not in body  # due in May
    assert set(Reminder.objects.values_list("kind", "stage")) == {
        (Kind.PROGRESS_CHECK_DUE, "progress_check")
    }
    mail.outbox.clear()
    # Not checked: prompted again 7 working days later.
    assert sweep_on(D(2027, 2, 23)).emails == 0
    sweep_on(D(2027, 2, 24))
    assert "due 15 February 2027 (7 working days overdue)" in digest_to(team).body


def test_a_progress_check_recorded_before_delivery_cancels_the_prompt(local_review, team):
    day = D(2027, 2, 15)
    with on(day):
        reminders.record(reminders.plan(day), day)
        review_services.progress_check_record(
            actor=team, review=local_review, checked_on=day, findings="On track"
        )
        result = reminders.deliver()
    assert (result.emails, result.cancelled) == (0, 2)
    # The next is due six weeks after the check: Easter Monday, 29 March 2027, a bank
    # holiday, so the next working day.
    assert sweep_on(D(2027, 3, 29)).emails == 0
    assert sweep_on(D(2027, 3, 30)).emails == 2
    assert "due 30 March 2027 (today)" in digest_to(team).body


# The command, the outbox's constraints, the queries ---------------------------------------


def test_a_dry_run_lists_review_reminders_too(incident, capsys):
    with on(FRIDAY_BEFORE):
        call_command("send_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert (
        "officer <officer@example.org>: A review's deadline is near: Child A, "
        f"{NOTIFICATION} (due 21 December 2026)" in out
    )
    assert "would record 2 reminder(s) for 2 recipient(s)" in out
    assert not Reminder.objects.exists() and not mail.outbox


def test_a_reminder_is_about_an_action_or_a_review_stage(incident, team):
    fields = {"recipient": team, "kind": Kind.STAGE_UPCOMING, "reminder_date": AWARE}
    for about in [{}, {"review": incident}, {"stage": "notification"}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Reminder.objects.create(due_date=AWARE, **fields, **about)
    Reminder.objects.create(due_date=AWARE, review=incident, stage="notification", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(due_date=AWARE, review=incident, stage="notification", **fields)


def test_what_the_sweep_reads_of_a_review_is_all_the_journey_reads():
    """Reviews are read with JOURNEY_FIELDS only (and a line with them): every date of
    each stage, and the decision."""
    dates = {
        name
        for stage in journey.STAGES
        for name in stage.fields
        if Review._meta.get_field(name).get_internal_type() == "DateField"
    }
    assert set(reminders.JOURNEY_FIELDS) == dates | {"decision"}
    start = reminders.Line._fields.index("stage") + 1
    assert reminders.Line._fields[start : start + len(dates) + 1] == reminders.JOURNEY_FIELDS


def _reviews_at_every_stage(count, partnerships):
    """`count` reviews spread over the partnerships and the journey's stages, on 18 Dec."""
    stages = [
        {"became_aware_on": AWARE},
        {"became_aware_on": D(2026, 12, 1), "notified_on": D(2026, 12, 2)},
        {"became_aware_on": D(2026, 11, 2), "notified_on": D(2026, 11, 3),
         "rapid_review_started_on": D(2026, 11, 4), "rapid_review_sent_on": D(2026, 11, 20)},
        {"became_aware_on": D(2026, 6, 1), "notified_on": D(2026, 6, 2),
         "rapid_review_started_on": D(2026, 6, 3), "rapid_review_sent_on": D(2026, 6, 19),
         "decision": Review.Decision.LOCAL_REVIEW, "decided_on": D(2026, 6, 19),
         "local_review_commissioned_on": D(2026, 7, 1)},
        {"became_aware_on": D(2026, 1, 5), "notified_on": D(2026, 1, 6),
         "rapid_review_started_on": D(2026, 1, 7), "rapid_review_sent_on": D(2026, 1, 23),
         "decision": Review.Decision.LOCAL_REVIEW, "decided_on": D(2026, 1, 23),
         "local_review_commissioned_on": D(2026, 2, 2),
         "local_review_completed_on": D(2026, 11, 2),
         "final_report_received_on": D(2026, 12, 1), "final_report_sent_on": D(2026, 12, 9)},
    ]  # fmt: skip
    for n in range(count):
        review = make_review(partnership=partnerships[n % len(partnerships)], **stages[n % 5])
        if n % 5 == 3:
            ProgressCheck.objects.create(
                review=review, partnership_id=review.partnership_id, checked_on=D(2026, 11, 6),
                findings="On track", recorded_by=make_user(),
            )  # fmt: skip


@pytest.mark.parametrize("reviews", [5, 60])
def test_the_sweep_queries_do_not_grow_with_journey_reviews(reviews, team, chair):
    north = make_partnership("north")
    make_user("north-team", role=roles.PARTNERSHIP_TEAM, partnership=north)
    make_closure_day(partnership=north, date=D(2026, 12, 24), reason="Office closed")
    _reviews_at_every_stage(reviews, [default_partnership(), north])
    with CaptureQueriesContext(connection) as queries, on(FRIDAY_BEFORE):
        result = reminders.sweep()
    # Reminded: the notification due on Monday and the progress check due today; not the
    # rapid review (3 working days left), the decision (late, told yesterday) nor the
    # publication (a "not before" day, not a deadline).
    assert result.emails == 3 and len(result.reviews) == reviews * 2 // 5
    # As test_reminder_sweep's count for actions (11 + 2 reading the reviews), and 3 more
    # each to plan and to deliver: the reviews' last progress checks, their closed
    # recommendations' impact checks due and their partnerships' closure dates, in one
    # query each; then 2 to claim and read the recipients' rows (up to PEOPLE_PER_CLAIM
    # people at a time) and 2 for each recipient (confirm, mark sent); and 1 for the
    # decision notices of those who chose the daily digest (issue 20; none here).
    reads_and_updates = [
        q
        for q in queries.captured_queries
        if q["sql"].split()[0] in {"SELECT", "UPDATE"} and "set_config(" not in q["sql"]
    ]
    assert len(reads_and_updates) == 11 + 2 + 3 + 3 + 2 + 2 * 3 + 1


# Row-level security (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
def test_a_reminder_about_a_review_is_seen_only_within_the_reviews_partnerships(team):
    alpha, beta, gamma = make_partnership("alpha"), make_partnership("beta"), make_partnership("c")
    of_alpha = make_review(partnership=alpha, title="Child A", became_aware_on=AWARE)
    of_beta = make_review(partnership=beta, title="Child B", became_aware_on=AWARE)
    share_review(of_beta, gamma)
    planned = [
        reminders.Planned(team.pk, None, Kind.STAGE_UPCOMING, NOTIFICATION_DUE, review.pk, stage)
        for review in (of_alpha, of_beta)
        for stage in ("notification", "progress_check")
    ]
    assert reminders.record(planned, FRIDAY_BEFORE) == 4

    def seen(partnership):
        with database.scoped([partnership.pk], user_id=team.pk):
            return set(Reminder.objects.values_list("review__title", flat=True))

    assert (seen(alpha), seen(beta), seen(gamma)) == ({"Child A"}, {"Child B"}, {"Child B"})
    with database.scoped([alpha.pk], user_id=team.pk):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Reminder.objects.create(
                recipient=team, review=of_beta, stage="decision", kind=Kind.STAGE_OVERDUE,
                reminder_date=FRIDAY_BEFORE, due_date=NOTIFICATION_DUE,
            )  # fmt: skip
        Reminder.objects.create(
            recipient=team, review=of_alpha, stage="decision", kind=Kind.STAGE_OVERDUE,
            reminder_date=FRIDAY_BEFORE, due_date=NOTIFICATION_DUE,
        )  # fmt: skip
    assert Reminder.objects.filter(review=of_beta).count() == 2


def test_a_digest_lists_a_reviews_deadlines_before_its_actions(incident, team, lead_a):
    make_action(
        make_recommendation(incident, agencies=[agency_of(lead_a)]),
        agency=agency_of(lead_a), owner=lead_a, title="Chronology training",
        due_date=FRIDAY_BEFORE - datetime.timedelta(days=29),
    )  # fmt: skip
    sweep_on(FRIDAY_BEFORE)
    digest = digest_to(team)  # the action escalated to the team, and the notification due
    assert digest.subject == "1 action and 1 review for your attention – SSCP review tracker"
    body = digest.body
    assert "1 action and 1 review in the SSCP review tracker need your attention." in body
    assert body.count("Child A\n") == 1
    assert body.index("Child A\n") < body.index(NOTIFICATION) < body.index("Chronology training")
    assert "Overdue: escalated to you: recommendation 1, Chronology training" in body


def test_your_reminders_page_lists_a_reviews_deadline_with_its_stage(incident, team, client):
    sweep_on(FRIDAY_BEFORE)
    client.force_login(team)
    page = client.get("/account/reminders/").content.decode()
    assert f'href="/test/reviews/{incident.pk}/">Child A</a>' in page
    assert NOTIFICATION in page
