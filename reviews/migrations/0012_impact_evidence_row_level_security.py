"""On PostgreSQL, an impact check's files get the guards every partnership-owned table
has: their history table is append-only (the trigger of audits 0003), and the row-level
security of sscp 0012: read and written only within the request's partnerships.
"""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

RULE = f"partnership_id = ANY ({row_security.MINE}) OR review_id = ANY ({row_security.SHARED})"
TABLES = ["reviews_impactevidence", "reviews_historicalimpactevidence"]
HISTORY = "reviews_historicalimpactevidence"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {HISTORY} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
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
    schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_append_only ON {HISTORY}")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0011_impact_evidence"),
        ("audits", "0003_append_only_triggers"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [migrations.RunPython(install, remove)]
