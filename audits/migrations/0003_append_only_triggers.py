"""
On PostgreSQL, the database itself refuses UPDATE and DELETE on the history
tables, the audit records and the access events, so that rewriting the record
takes the database owner's deliberate act (disabling a trigger), which
`verify_audit_trail` then catches. TRUNCATE is left alone: tests empty tables
with it, and the verifier catches a truncated table as missing records.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def append_only_tables(apps):
    tables = ["audits_auditrecord", "audits_accessevent"]
    for model in apps.get_models():
        if model._meta.app_label in {"sscp", "reviews", "actions"} and model.__name__.startswith(
            "Historical"
        ):
            tables.append(model._meta.db_table)
    return tables


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in append_only_tables(apps):
        name = schema_editor.quote_name(table)
        schema_editor.execute(
            f"CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {name} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in append_only_tables(apps):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS audit_append_only ON {schema_editor.quote_name(table)}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0002_audit_record"),
        ("sscp", "0005_user_manager"),
        ("reviews", "0002_initial"),
        ("actions", "0003_reminder"),
    ]

    operations = [migrations.RunPython(install, remove)]
