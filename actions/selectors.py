from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from actions.models import Action, Evidence, ExtensionRequest, ProgressUpdate, SignOffDecision


def action_detail(pk: int) -> Action:
    """An action with everything its page shows, in a fixed number of queries."""
    return get_object_or_404(
        Action.objects.select_related(
            "recommendation__review", "agency", "owner", "completed_by"
        ).prefetch_related(
            Prefetch("progress_updates", ProgressUpdate.objects.select_related("author")),
            Prefetch("evidence", Evidence.objects.select_related("uploaded_by", "withdrawn_by")),
            Prefetch("decisions", SignOffDecision.objects.select_related("decided_by")),
            Prefetch(
                "extension_requests",
                ExtensionRequest.objects.select_related("requested_by", "decided_by"),
            ),
        ),
        pk=pk,
    )


def status_counts(actions) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status in lifecycle order, counted in one query."""
    totals = dict.fromkeys(Action.Status.values, 0)
    for row in actions.order_by().values("status").annotate(count=Count("pk")):
        totals[row["status"]] = row["count"]
    return [(status.value, status.label, totals[status.value]) for status in Action.Status]
