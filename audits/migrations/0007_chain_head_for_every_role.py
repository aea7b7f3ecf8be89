"""On PostgreSQL, the head of the audit chain read through a function that runs as the
table's owner: a request working under a partnership's row-level security (sscp
0012) sees only its partnership's audit records, but a new seal must follow the last
record of the whole chain."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_head() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT seal FROM audits_auditrecord ORDER BY seq DESC LIMIT 1
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_chain_head()")


class Migration(migrations.Migration):
    dependencies = [("audits", "0006_append_only_new_history_tables")]

    operations = [migrations.RunPython(install, remove)]
