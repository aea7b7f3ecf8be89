"""
The hash chain: `verify_audit_trail` passes on an intact trail and names the first
bad record after a history row is edited, deleted or inserted behind the
application's back — with raw SQL, on PostgreSQL, where triggers must first be
switched off (the database owner's deliberate act).
"""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from actions import services
from actions.models import Action
from audits.models import AccessEvent, AuditRecord
from audits.sealing import history_models, verify
from devtools.demo import load_demo
from tests.makers import make_action, make_user

pytestmark = pytest.mark.django_db


def run_verify():
    try:
        call_command("verify_audit_trail")
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


@pytest.fixture
def demo():
    load_demo(password="demo-pass")


def test_the_demo_trail_is_intact(demo, capsys):
    call_command("verify_audit_trail")
    out = capsys.readouterr().out
    count = AuditRecord.objects.count()
    assert count > 100
    assert f"The audit trail is intact: {count} records verified." in out


def test_every_history_row_and_access_event_is_sealed(demo, client, lead_a):
    client.force_login(lead_a)
    client.get("/test/actions/1/sign-off/")  # refused: on the record
    for model in history_models():
        sealed = AuditRecord.objects.filter(source=f"{model._meta.app_label}.{model.__name__}")
        assert sealed.count() == model.objects.count(), model
    assert (
        AuditRecord.objects.filter(source="audits.AccessEvent").count()
        == AccessEvent.objects.count()
        == 1
    )


def test_an_anchor_from_an_earlier_run_must_still_be_in_the_chain(demo):
    record = AuditRecord.objects.order_by("-seq").first()
    assert verify(anchor=(record.seq, record.seal)).intact
    call_command("verify_audit_trail", "--anchor", f"{record.seq}:{record.seal}")
    assert "does not carry the anchored seal" in verify(anchor=(record.seq, "f" * 64)).problem
    assert "is missing from the chain" in verify(anchor=(10**9, record.seal)).problem


def _raw(sql, params=()):
    """Run SQL as the database owner with the append-only triggers switched off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.postgres
def test_the_database_refuses_to_rewrite_history():
    action = make_action()
    history_table = Action.history.model._meta.db_table
    for sql in [
        f"UPDATE {history_table} SET title = 'rewritten' WHERE id = %s",
        f"DELETE FROM {history_table} WHERE id = %s",
        "UPDATE audits_auditrecord SET reason = 'rewritten' WHERE action_id = %s",
        "DELETE FROM audits_auditrecord WHERE action_id = %s",
    ]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [action.pk])


@pytest.mark.postgres
def test_every_history_table_has_the_append_only_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'audit_append_only'"
        )
        protected = {row[0] for row in cursor.fetchall()}
    tables = {model._meta.db_table for model in history_models()}
    tables |= {"audits_auditrecord", "audits_accessevent"}
    assert tables <= protected


@pytest.mark.postgres
def test_an_edited_history_row_is_caught(demo):
    table = Action.history.model._meta.db_table
    target = Action.history.order_by("history_id")[5]
    _raw(f"UPDATE {table} SET due_date = due_date + 30 WHERE history_id = %s", [target.history_id])
    code, message = run_verify()
    record = AuditRecord.objects.get(source="actions.HistoricalAction", record_id=target.history_id)
    assert code == 1
    assert f"record #{record.seq} (actions.HistoricalAction {target.history_id}" in message
    assert "has been changed" in message


@pytest.mark.postgres
def test_a_deleted_history_row_is_caught(demo):
    table = Action.history.model._meta.db_table
    target = Action.history.order_by("history_id")[3]
    _raw(f"DELETE FROM {table} WHERE history_id = %s", [target.history_id])
    code, message = run_verify()
    assert code == 1
    assert (
        f"actions.HistoricalAction {target.history_id}" in message and "has been deleted" in message
    )


@pytest.mark.postgres
def test_a_history_row_inserted_behind_the_applications_back_is_caught(demo):
    table = Action.history.model._meta.db_table
    columns = [
        f.column for f in Action.history.model._meta.concrete_fields if f.column != "history_id"
    ]
    column_list = ", ".join(columns)
    _raw(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {table} "
        f"WHERE history_id = (SELECT min(history_id) FROM {table}) RETURNING history_id"
    )
    forged = Action.history.order_by("-history_id").first()
    code, message = run_verify()
    assert code == 1
    assert f"actions.HistoricalAction {forged.history_id} has no seal" in message


@pytest.mark.postgres
def test_a_removed_seal_breaks_the_chain(demo):
    victim = AuditRecord.objects.order_by("seq")[10]
    _raw("DELETE FROM audits_auditrecord WHERE seq = %s", [victim.seq])
    code, message = run_verify()
    follower = AuditRecord.objects.filter(seq__gt=victim.seq).order_by("seq").first()
    assert code == 1
    assert (
        f"record #{follower.seq}" in message
        and "does not follow from the record before it" in message
    )


@pytest.mark.postgres
def test_an_edited_audit_record_is_caught(demo):
    victim = AuditRecord.objects.order_by("seq")[20]
    _raw("UPDATE audits_auditrecord SET reason = 'Nothing to see' WHERE seq = %s", [victim.seq])
    code, message = run_verify()
    assert code == 1 and f"record #{victim.seq}" in message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(migrated_data):
    """Eight people saving at once: every seal still follows from the one before it."""
    lead = make_user("lead")
    actions = [make_action() for _ in range(8)]
    start = threading.Barrier(len(actions))
    errors = []

    def work(action):
        try:
            start.wait(timeout=10)
            for n in range(5):
                services.progress_post(
                    actor=lead, action=Action.objects.get(pk=action.pk), text=f"Update {n}"
                )
        except Exception as error:  # collect, so the main thread can report it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    result = verify()
    assert result.intact, result.problem
    assert result.verified == AuditRecord.objects.count()
