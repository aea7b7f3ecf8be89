"""A record of an action is written, under the policies, only with its own action's
partnership and review: the policy's check on a write also finds the action (one row, by
its key), so that a row naming one's own partnership cannot be attached to another
partnership's action. Reading stays on the row alone (0021)."""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")
records = importlib.import_module("actions.migrations.0021_records_keep_their_partnership")


def _check(table: str) -> str:
    return (
        f"({row_security._of_review('review_id')}) AND EXISTS (SELECT 1 FROM actions_action a "
        f"WHERE a.id = {table}.action_id AND a.partnership_id = {table}.partnership_id "
        f"AND a.review_id = {table}.review_id)"
    )


def _checks(schema_editor, check) -> None:
    if not row_security._enabled(schema_editor):
        return
    for table in records.TABLES:
        schema_editor.execute(
            f"ALTER POLICY partnership_scope ON {table} WITH CHECK ({check(table)})"
        )


def with_the_action(apps, schema_editor):
    _checks(schema_editor, _check)


def on_the_row(apps, schema_editor):
    _checks(schema_editor, lambda table: row_security._of_review("review_id"))


class Migration(migrations.Migration):
    dependencies = [("actions", "0023_lead_list_by_agency_and_due_date")]

    operations = [migrations.RunPython(with_the_action, on_the_row)]
