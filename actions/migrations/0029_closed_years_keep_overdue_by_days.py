"""Closed years keep how many actions were overdue by each number of days at the year's
end ("overdue_by_days": [[days, n], ...]), not each action's days: a year of 75,000
overdue actions was a list of 75,000 numbers, read back on every request for its page."""

from collections import Counter

from django.db import migrations


def by_days(apps, schema_editor):
    ClosedYear = apps.get_model("actions", "ClosedYear")
    for closed in ClosedYear.objects.filter(figures__has_key="overdue_days"):
        counted = Counter(closed.figures.pop("overdue_days"))
        closed.figures["overdue_by_days"] = sorted([days, n] for days, n in counted.items())
        closed.save(update_fields=["figures"])


def each_action(apps, schema_editor):
    ClosedYear = apps.get_model("actions", "ClosedYear")
    for closed in ClosedYear.objects.filter(figures__has_key="overdue_by_days"):
        counted = closed.figures.pop("overdue_by_days")
        closed.figures["overdue_days"] = [days for days, n in counted for _ in range(n)]
        closed.save(update_fields=["figures"])


class Migration(migrations.Migration):
    dependencies = [("actions", "0028_counts_read_from_indexes_alone")]

    operations = [migrations.RunPython(by_days, each_action)]
