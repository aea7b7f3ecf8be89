"""A real Celery worker, in its own process, runs the sweep it is sent through Redis."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone

from actions.models import Reminder
from actions.tasks import send_reminders
from tests.makers import make_action

# The worker is another process: it sees only committed data, in the test database.
pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrated_data"),
]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"sscp-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "SITE_URL": "https://tracker.example.org",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "sscp", "worker", "--pool", "solo",
         "--queues", queue, "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        yield queue, tmp_path / "mail"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output)  # shown by pytest if the test failed


def test_the_worker_sweeps_and_the_emails_reach_the_outbox(worker, lead_a):
    queue, mail_dir = worker
    today = timezone.localdate()
    action = make_action(agency=lead_a.agency, owner=lead_a, due_date=today, title="Due today")

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
    assert f"https://tracker.example.org/actions/{action.pk}/" in message


def test_beat_runs_the_sweep_daily_at_seven_in_london():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "actions.tasks.send_reminders"
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/London"
    from sscp.celery import app

    assert app.conf.beat_schedule["send-reminders"]["task"] in app.tasks
