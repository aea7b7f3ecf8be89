"""Open actions by due date and approvals by year (actions.counts: DueDateTally and
CompletionTally) start from the records as they are, and get the row-level policy every
partnership-owned table has (sscp 0012), asking first of the request's first partnership
(0026)."""

import importlib
from collections import Counter

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")
first_partnership = importlib.import_module(
    "actions.migrations.0026_policies_ask_the_first_partnership_first"
)

TABLES = ["actions_duedatetally", "actions_completiontally"]
RULE = (
    f"partnership_id = {first_partnership.FIRST} "
    f"OR partnership_id = ANY (({first_partnership.OTHERS})::bigint[])"
)
OPEN = ["not_started", "in_progress", "submitted"]


def count(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    SignOffDecision = apps.get_model("actions", "SignOffDecision")
    DueDateTally = apps.get_model("actions", "DueDateTally")
    CompletionTally = apps.get_model("actions", "CompletionTally")
    open_actions = Action.objects.filter(withdrawn_at__isnull=True, status__in=OPEN)
    rows = open_actions.values_list("partnership_id", "due_date").annotate(n=Count("pk"))
    DueDateTally.objects.bulk_create(
        DueDateTally(partnership_id=partnership_id, due_date=due_date, count=n)
        for partnership_id, due_date, n in rows.order_by()
    )
    # Each action once a year, as its last approval in the year (1 April to 31 March) says.
    approvals = SignOffDecision.objects.filter(
        outcome="approved", action__withdrawn_at__isnull=True
    ).order_by("action_id", "decided_at", "pk")
    last = {}
    for action_id, partnership_id, decided_at, due in approvals.values_list(
        "action_id", "partnership_id", "decided_at", "original_due_date"
    ).iterator(chunk_size=5000):
        day = timezone.localdate(decided_at)
        start_year = day.year if day.month >= 4 else day.year - 1
        last[action_id, start_year] = (partnership_id, start_year, day <= due)
    CompletionTally.objects.bulk_create(
        CompletionTally(partnership_id=partnership_id, start_year=year, on_time=on_time, count=n)
        for (partnership_id, year, on_time), n in Counter(last.values()).items()
    )


def guard(apps, schema_editor):
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY partnership_scope ON {table} TO {row_security.ROLE} "
            f"USING ({RULE}) WITH CHECK ({RULE})"
        )


def unguard(apps, schema_editor):
    if not row_security._enabled(schema_editor):
        return
    for table in TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0030_lead_across_partnerships_from_an_index_alone"),
        ("sscp", "0015_decision_emails"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="CompletionTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "start_year",
                    models.PositiveIntegerField(help_text="The year its April falls in."),
                ),
                (
                    "on_time",
                    models.BooleanField(help_text="Approved by the action's original due date."),
                ),
                ("count", models.PositiveIntegerField()),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sscp.partnership",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partnership", "start_year", "on_time"),
                        name="completion_tally_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DueDateTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("due_date", models.DateField()),
                ("count", models.PositiveIntegerField()),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sscp.partnership",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partnership", "due_date"), name="due_date_tally_unique"
                    )
                ],
            },
        ),
        # The year's approvals were grouped from it; now they are kept (CompletionTally).
        migrations.RemoveIndex(model_name="signoffdecision", name="decision_approvals_due"),
        migrations.RunPython(count, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
