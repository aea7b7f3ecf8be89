"""
Faults survived: the broker down, the mail server down, the database refusing a
write, the evidence storage failing. Each is a real failure — a closed port, a
trigger that aborts, a path that cannot be a folder — not a mock.
"""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from actions import reminders
from actions.models import Action, Evidence, Notice, Reminder, SignOffDecision
from audits.models import AuditRecord
from sscp.celery import app
from tests.conftest import stored_evidence, use_evidence_storage
from tests.faults_support import database_refuses
from tests.files import ACCEPTED, upload
from tests.makers import SLUG, agency_of, make_action, make_evidence
from tests.smtp import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_unreachable():
    """Celery's broker, for the length of the test, is a port where nothing listens."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    app.close()
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app.close()
    app.amqp._producer_pool = None


def test_with_the_broker_down_pages_work_and_the_next_sweep_catches_up(
    client_for, silg_chair, lead_a, broker_unreachable, caplog, django_capture_on_commit_callbacks
):
    action = make_action(agency=agency_of(lead_a), owner=lead_a, status=Action.Status.SUBMITTED)
    client = client_for(silg_chair)
    assert client.get(reverse("home", args=[SLUG])).status_code == 200
    with (
        caplog.at_level(logging.WARNING, logger="actions.tasks"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(
            reverse("action-sign-off", args=[SLUG, action.pk]),
            {"decision": "return", "comment": "Add the register"},
        )
    assert response.status_code == 302 and len(callbacks) == 1
    assert "Could not queue reminder delivery; the next sweep will send it" in caplog.text
    action.refresh_from_db()
    assert action.returned_at is not None  # the decision itself was saved
    assert Notice.objects.get().status == Notice.Status.PENDING  # its notice, kept

    reminders.sweep()  # the broker is still down: the sweep runs in-process
    assert [m.to for m in mail.outbox] == [[lead_a.email]]
    assert Notice.objects.get().status == Notice.Status.SENT


def test_with_the_mail_server_down_nothing_is_marked_sent_and_the_next_run_retries(
    settings, lead_a, smtp_server
):
    make_action(agency=agency_of(lead_a), owner=lead_a, due_date=reminders.timezone.localdate())
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    first = reminders.sweep()
    assert first.emails == 0 and first.failed_recipients == [lead_a]
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED and reminder.sent_at is None
    assert "Connection refused" in reminder.last_error

    settings.EMAIL_PORT = working_port
    second = reminders.sweep()
    assert second.emails == 1 and smtp_server.handler.recipients() == [lead_a.email]
    assert Reminder.objects.get().status == Reminder.Status.SENT


def test_when_the_database_refuses_the_history_row_the_transition_is_not_saved_either(
    client_for, silg_chair
):
    action = make_action(status=Action.Status.SUBMITTED)
    make_evidence(action)
    history_rows, audit_records = action.history.count(), AuditRecord.objects.count()
    with database_refuses(Action.history.model._meta.db_table):
        response = client_for(silg_chair).post(
            reverse("action-sign-off", args=[SLUG, action.pk]), {"decision": "approve"}
        )
    page = response.content.decode()
    assert response.status_code == 503
    assert "Your change has not been saved" in page and "nothing was changed" in page
    assert 'class="sscp-reference"' in page
    action.refresh_from_db()
    assert action.status == Action.Status.SUBMITTED and action.completed_at is None
    assert not SignOffDecision.objects.exists()
    assert action.history.count() == history_rows
    assert AuditRecord.objects.count() == audit_records


def test_when_storage_fails_during_an_upload_no_row_points_at_a_missing_file(
    client_for, lead_a, settings, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence folder should be")
    use_evidence_storage(settings, blocker / "evidence")
    action = make_action(agency=agency_of(lead_a))
    response = client_for(lead_a).post(
        reverse("evidence-upload", args=[SLUG, action.pk]),
        {"files": upload("report.pdf", ACCEPTED["report.pdf"]), "description": "Audit"},
    )
    assert (
        "The file could not be stored just now, so nothing has been saved"
        in response.content.decode()
    )
    assert not Evidence.objects.exists()
    assert not Evidence.history.exists()


def test_when_the_database_fails_after_storing_a_file_the_file_is_removed(
    client_for, lead_a, tmp_path
):
    action = make_action(agency=agency_of(lead_a))
    with database_refuses(Evidence._meta.db_table):
        response = client_for(lead_a).post(
            reverse("evidence-upload", args=[SLUG, action.pk]),
            {"files": upload("report.pdf", ACCEPTED["report.pdf"]), "description": "Audit"},
        )
    assert response.status_code == 503
    assert not Evidence.objects.exists()
    assert stored_evidence() == []
