"""The append-only trigger of 0003 on every history table, the new ones included:
partnerships, memberships, and the links of agencies and joint reviews to partnerships.
(CREATE OR REPLACE: the tables that had it keep the same trigger.)"""

import importlib

from django.db import migrations

initial = importlib.import_module("audits.migrations.0003_append_only_triggers")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0005_partnerships"),
        ("sscp", "0010_roles_are_memberships"),
        ("reviews", "0004_every_review_has_a_partnership"),
        ("actions", "0011_every_action_has_a_partnership"),
    ]

    operations = [migrations.RunPython(initial.install, migrations.RunPython.noop)]
