"""An action's records (progress, evidence, decisions, extension requests) keep their
action's partnership and review on the row (actions.models.ActionRecord), filled in here
from their actions, and their row-level policy reads them there as the action's own
does, instead of looking up the action a row at a time. Their history rows are left as
they are: sealed, append-only, and read an action at a time."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

RECORDS = ["progressupdate", "evidence", "extensionrequest", "signoffdecision"]
TABLES = [f"actions_{name}" for name in RECORDS]


def _column(to: str):
    return models.ForeignKey(
        null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=to
    )



def fill(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"UPDATE {table} r SET partnership_id = a.partnership_id, review_id = a.review_id "
                "FROM actions_action a WHERE a.id = r.action_id"
            )
        else:
            of_action = f"FROM actions_action a WHERE a.id = {table}.action_id"
            schema_editor.execute(
                f"UPDATE {table} SET partnership_id = (SELECT a.partnership_id {of_action}), "
                f"review_id = (SELECT a.review_id {of_action})"
            )
    if schema_editor.connection.vendor == "postgresql":
        # The new keys' checks now, not at commit, so that the columns can be made NOT NULL
        # in this transaction ("pending trigger events" otherwise).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _policies(schema_editor, rule: str) -> None:
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER POLICY partnership_scope ON {table} USING ({rule}) WITH CHECK ({rule})"
        )


def on_the_row(apps, schema_editor):
    _policies(schema_editor, row_security._of_review("review_id"))


def through_the_action(apps, schema_editor):
    _policies(schema_editor, row_security.OF_ACTION)


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0020_policies_the_planner_can_read"),
        ("reviews", "0014_kept_counts"),
        ("sscp", "0015_decision_emails"),
    ]

    operations = [
        *(
            migrations.AddField(model_name=name, name=field, field=_column(to))
            for name in RECORDS
            for field, to in (("partnership", "sscp.partnership"), ("review", "reviews.review"))
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        *(
            migrations.AlterField(
                model_name=name,
                name=field,
                field=models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to=to
                ),
            )
            for name in RECORDS
            for field, to in (("partnership", "sscp.partnership"), ("review", "reviews.review"))
        ),
        migrations.RemoveIndex(model_name="extensionrequest", name="extension_pending_oldest"),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["partnership", "requested_at", "id"],
                name="extension_pending_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="signoffdecision",
            index=models.Index(
                condition=models.Q(("outcome", "approved")),
                fields=["partnership", "decided_at"],
                name="decision_approvals",
            ),
        ),
        migrations.RunPython(on_the_row, through_the_action),
    ]
