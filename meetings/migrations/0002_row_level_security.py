"""On PostgreSQL, SILG meetings get the guards every partnership-owned table has:

1. Their history tables are append-only (the trigger of audits 0003, whose function that
   migration made).
2. Row-level security (sscp 0012; sscp.database): working for a partnership, a
   connection reads and writes only that partnership's meetings, agenda items, packs and
   minutes, and their history.
"""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

MODELS = ["meeting", "agendaitem", "meetingpack", "minuteentry"]
HISTORY = [f"meetings_historical{model}" for model in MODELS]
TABLES = [f"meetings_{model}" for model in MODELS] + HISTORY
RULE = f"partnership_id = ANY ({row_security.MINE})"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in HISTORY:
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON "
            f"{schema_editor.quote_name(table)} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY partnership_scope ON {table} TO {row_security.ROLE} "
            f"USING ({RULE}) WITH CHECK ({RULE})"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in HISTORY:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS audit_append_only ON {schema_editor.quote_name(table)}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("audits", "0003_append_only_triggers"),
        ("audits", "0012_record_types_of_meetings"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [migrations.RunPython(install, remove)]
