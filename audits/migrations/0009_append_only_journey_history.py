"""The append-only trigger of 0003 on the history tables made since 0006: partnerships'
closure days and local reviews' progress checks. (CREATE OR REPLACE: the tables that had
it keep the same trigger.)"""

import importlib

from django.db import migrations

initial = importlib.import_module("audits.migrations.0003_append_only_triggers")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0008_audit_records_of_invitations"),
        ("sscp", "0014_partnership_closure_days"),
        ("reviews", "0005_the_statutory_journey"),
    ]

    operations = [migrations.RunPython(initial.install, migrations.RunPython.noop)]
