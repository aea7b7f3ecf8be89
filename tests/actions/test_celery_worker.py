"""
Real Celery processes: a worker runs the sweep it is sent through Redis; time limits stop
a task a hung mail server holds; beat delivers what was queued while the broker was down.
"""

import logging
import time

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from actions import reminders
from actions.models import Action, Notice, Reminder
from actions.tasks import deliver_reminders, send_reminders
from sscp.celery import app
from sscp.tasks import deliver_email
from tests import mail_support
from tests.mail_support import celery, process_env, unique_queue, wait_until, worker_arguments
from tests.makers import SLUG, agency_of, make_action, make_lead
from tests.smtp import SilentServer, SMTPServer, free_port

private_broker = mail_support.private_broker  # a fixture

# The worker is another process: it sees only committed data, in the test database.
pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


@pytest.fixture
def worker(tmp_path):
    queue = unique_queue()
    env = process_env(broker_url=settings.REDIS_URL, email_url=f"filemail:///{tmp_path / 'mail'}")
    with celery(*worker_arguments(queue=queue), env=env, log=tmp_path / "worker.log"):
        yield queue, tmp_path / "mail"


def test_the_worker_sweeps_and_the_emails_reach_the_outbox(worker, lead_a):
    queue, mail_dir = worker
    today = timezone.localdate()
    action = make_action(agency=agency_of(lead_a), owner=lead_a, due_date=today, title="Due today")

    send_reminders.apply_async(kwargs={"date": today.isoformat()}, queue=queue)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Reminder.objects.filter(status=Reminder.Status.SENT).exists():
            break
        time.sleep(0.25)
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.recipient, reminder.action) == ("sent", lead_a, action)
    [message_file] = list(mail_dir.iterdir())
    message = message_file.read_text()
    assert "To: lead-a@example.org" in message
    assert f"https://tracker.example.org/test/actions/{action.pk}/" in message


def test_beat_runs_the_sweep_daily_at_seven_in_london():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "actions.tasks.send_reminders"
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/London"
    from sscp.celery import app

    assert app.conf.beat_schedule["send-reminders"]["task"] in app.tasks


def test_every_outbox_task_has_a_time_limit():
    """Issue 15, item 2: no task can hold a worker for ever (REMINDER_TASK_TIME_LIMIT)."""
    for task in (send_reminders, deliver_reminders, deliver_email):
        assert task.soft_time_limit == settings.REMINDER_TASK_TIME_LIMIT
        assert task.time_limit == settings.REMINDER_TASK_TIME_LIMIT + 60


def queue_without_limits(task, queue):
    """Queue `task` with no time limits in the message. A message carries those of the
    process that queued it (this one's), which would win over the worker's own: the
    REMINDER_TASK_TIME_LIMIT of its environment, which the test sets."""
    app.send_task(task.name, queue=queue, time_limit=None, soft_time_limit=None)


def test_a_hung_mail_server_is_cut_off_at_the_time_limit_and_nothing_goes_twice(tmp_path, agency_a):
    """Issue 15, item 2: a mail server that accepts the connection and never answers, and
    EMAIL_TIMEOUT far longer than the task may run. The real worker (prefork, as the
    Procfile runs it) stops the task at REMINDER_TASK_TIME_LIMIT: the send in progress
    is failed, the rest wait untouched; once the server answers, each person gets one."""
    today = timezone.localdate()
    leads = [make_lead(agency_a, name) for name in ("first", "second")]
    for lead in leads:
        make_action(agency=agency_a, owner=lead, due_date=today)
    reminders.record(reminders.plan(today), today)
    queue, port = unique_queue(), free_port()
    env = process_env(
        broker_url=settings.REDIS_URL,
        email_url=f"smtp://127.0.0.1:{port}",
        EMAIL_TIMEOUT=120,
        REMINDER_TASK_TIME_LIMIT=2,
    )
    worker = worker_arguments(queue=queue, pool="prefork")
    with celery(*worker, env=env, log=tmp_path / "worker.log"):
        with SilentServer(port):
            queue_without_limits(deliver_reminders, queue)
            took = wait_until(
                lambda: Reminder.objects.filter(status=Reminder.Status.FAILED).exists(),
                timeout=30,
            )
            statuses = dict(Reminder.objects.values_list("recipient__username", "status"))
            assert statuses == {"first": "failed", "second": "pending"}
            assert "SoftTimeLimitExceeded" in Reminder.objects.get(status="failed").last_error
        print(f"The hung send was failed {took:.1f} s after the task was queued")

        with SMTPServer(port=port) as server:  # a working server where the hung one was
            queue_without_limits(deliver_reminders, queue)
            assert server.handler.wait_for_messages(2, timeout=30)
            wait_until(lambda: not Reminder.objects.exclude(status="sent").exists(), timeout=10)
    assert sorted(server.handler.recipients()) == [lead.email for lead in leads]


def test_a_notice_queued_while_the_broker_was_down_goes_within_seconds_of_its_return(
    tmp_path, private_broker, client_for, silg_chair, lead_a, smtp_server, caplog
):
    """Issue 15, item 3: the broker is down when the SILG chair returns an action, so the
    request cannot ask a worker to send the notice. It is kept in the outbox, and once
    the broker is back, beat's delivery every OUTBOX_DELIVERY_EVERY_SECONDS sends it:
    within seconds here (a 2-second interval), within minutes by default (120 s)."""
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=Action.Status.SUBMITTED)
    env = process_env(
        broker_url=private_broker.url,
        email_url=f"smtp://127.0.0.1:{smtp_server.port}",
        OUTBOX_DELIVERY_EVERY_SECONDS=2,
    )
    beat = ["beat", "--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"]
    with (
        celery(*worker_arguments(), env=env, log=tmp_path / "worker.log"),
        celery(*beat, env=env, log=tmp_path / "beat.log"),
    ):
        private_broker.stop()
        with caplog.at_level(logging.WARNING, logger="actions.tasks"):
            response = client_for(silg_chair).post(
                reverse("action-sign-off", args=[SLUG, action.pk]),
                {"decision": "return", "comment": "Add the register"},
            )
        assert response.status_code == 302
        assert "Could not queue reminder delivery" in caplog.text
        assert Notice.objects.get().status == Notice.Status.PENDING

        private_broker.start()
        back = time.monotonic()
        assert smtp_server.handler.wait_for_messages(1, timeout=90)
        took = time.monotonic() - back
        wait_until(lambda: Notice.objects.get().status == Notice.Status.SENT, timeout=10)
    print(f"Delivered {took:.1f} s after the broker came back")
    [(to, message)] = smtp_server.handler.messages
    assert to == [lead_a.email]
    assert took < 60
