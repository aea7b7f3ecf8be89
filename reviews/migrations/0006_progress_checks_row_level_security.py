"""Progress checks of local reviews get the row-level security of the partnership-owned
tables (sscp 0012): read and written only within the request's partnerships."""

import importlib

from django.db import migrations

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

RULE = f"partnership_id = ANY ({row_security.MINE}) OR review_id = ANY ({row_security.SHARED})"
TABLES = ["reviews_progresscheck", "reviews_historicalprogresscheck"]


def install(apps, schema_editor):
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY partnership_scope ON {table} TO {row_security.ROLE} "
            f"USING ({RULE}) WITH CHECK ({RULE})"
        )


def remove(apps, schema_editor):
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_the_statutory_journey"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [migrations.RunPython(install, remove)]
