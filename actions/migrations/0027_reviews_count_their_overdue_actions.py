"""Each review counts its overdue actions as of today (actions.counts.count_overdue keeps
the count daily from now on), starting from the records as they are."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

OPEN = ["not_started", "in_progress", "submitted"]


def count(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    Review = apps.get_model("reviews", "Review")
    today = timezone.localdate()
    overdue = Action.objects.filter(
        withdrawn_at__isnull=True, status__in=OPEN, review=OuterRef("pk"), due_date__lt=today
    )
    counted = overdue.order_by().values("review").annotate(n=Count("pk")).values("n")
    Review.objects.update(
        overdue_counted=Coalesce(Subquery(counted), 0), overdue_counted_on=today
    )


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0026_policies_ask_the_first_partnership_first"),
        ("reviews", "0017_reviews_count_their_overdue_actions"),
    ]

    operations = [migrations.RunPython(count, migrations.RunPython.noop)]
