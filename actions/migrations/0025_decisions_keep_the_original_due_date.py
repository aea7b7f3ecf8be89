"""A sign-off decision keeps its action's original due date on the row, as it keeps its
partnership (0021), so that a year's completions and how many were on time are read from
the approvals' own index, not joined to every action of the partnership; and withdrawn
actions, few, get an index of their own to be left out by. The decisions' history rows are
left as they are (the column is not in their history)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE actions_signoffdecision d SET original_due_date = a.original_due_date "
            "FROM actions_action a WHERE a.id = d.action_id"
        )
        # Any checks pending now, not at commit, so that the column can be made NOT NULL in
        # this transaction (as 0021).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    else:
        schema_editor.execute(
            "UPDATE actions_signoffdecision SET original_due_date = (SELECT a.original_due_date "
            "FROM actions_action a WHERE a.id = actions_signoffdecision.action_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0024_records_written_with_their_actions_partnership"),
    ]

    operations = [
        migrations.AddField(
            model_name="signoffdecision",
            name="original_due_date",
            field=models.DateField(null=True, help_text="The action's original due date."),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="signoffdecision",
            name="original_due_date",
            field=models.DateField(help_text="The action's original due date."),
        ),
        migrations.RemoveIndex(model_name="signoffdecision", name="decision_approvals"),
        migrations.AddIndex(
            model_name="signoffdecision",
            index=models.Index(
                condition=models.Q(("outcome", "approved")),
                fields=["partnership", "decided_at", "action", "original_due_date"],
                name="decision_approvals_due",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("withdrawn_at__isnull", False)),
                fields=["partnership", "withdrawn_at"],
                name="action_withdrawn",
            ),
        ),
    ]
