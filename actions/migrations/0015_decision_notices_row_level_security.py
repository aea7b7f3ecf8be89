"""On PostgreSQL, decision notices get the row-level security of sscp 0012: read and
written only within the request's partnerships (or a review commissioned jointly)."""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

RULE = f"partnership_id = ANY ({row_security.MINE}) OR review_id = ANY ({row_security.SHARED})"
TABLE = "actions_notice"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not row_security._enabled(schema_editor):
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    schema_editor.execute(
        f"CREATE POLICY partnership_scope ON {TABLE} TO {row_security.ROLE} "
        f"USING ({RULE}) WITH CHECK ({RULE})"
    )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {TABLE}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0014_decision_notices"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [migrations.RunPython(install, remove)]
