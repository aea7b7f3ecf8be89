"""Counts kept (actions.counts) start from the records as they are, and the two new
partnership-owned tables get the row-level policy every such table has (sscp 0012):
working for a partnership, a connection reads and writes only its tallies and closed
years."""

import importlib

from django.db import migrations
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth

row_security = importlib.import_module("sscp.migrations.0012_row_level_security")

TABLES = ["actions_actiontally", "actions_closedyear"]
RULE = f"partnership_id = ANY ({row_security.MINE})"
OPEN = ["not_started", "in_progress", "submitted"]


def count(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    ActionTally = apps.get_model("actions", "ActionTally")
    Recommendation = apps.get_model("reviews", "Recommendation")
    kept = Action.objects.filter(withdrawn_at__isnull=True)
    rows = (
        kept.annotate(month=TruncMonth("due_date"), late=Q(returned_at__isnull=False))
        .values_list("partnership_id", "agency_id", "status", "late", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ActionTally.objects.bulk_create(
        ActionTally(
            partnership_id=partnership_id,
            agency_id=agency_id,
            status=status,
            returned=returned,
            due_month=month.date() if hasattr(month, "date") else month,
            count=n,
        )
        for partnership_id, agency_id, status, returned, month, n in rows
    )
    of_it = kept.filter(recommendation=OuterRef("pk")).order_by().values("recommendation")
    counted = of_it.annotate(n=Count("pk")).values("n")
    counted_open = of_it.filter(status__in=OPEN).annotate(n=Count("pk")).values("n")
    Recommendation.objects.update(
        action_count=Coalesce(Subquery(counted), 0),
        open_action_count=Coalesce(Subquery(counted_open), 0),
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
        ("actions", "0018_tallies_and_closed_years"),
        ("reviews", "0014_kept_counts"),
        ("sscp", "0012_row_level_security"),
    ]

    operations = [
        migrations.RunPython(count, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
