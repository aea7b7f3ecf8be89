from collections import Counter

from django.db.models import Count, Prefetch

from actions.models import (
    Action,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
)


def action_page():
    """Actions with everything the action page shows, in a fixed number of queries."""
    return Action.objects.select_related(
        "recommendation__review", "agency", "owner", "completed_by"
    ).prefetch_related(
        Prefetch("progress_updates", ProgressUpdate.objects.select_related("author")),
        Prefetch("evidence", Evidence.objects.select_related("uploaded_by", "withdrawn_by")),
        Prefetch("decisions", SignOffDecision.objects.select_related("decided_by")),
        Prefetch(
            "extension_requests",
            ExtensionRequest.objects.select_related("requested_by", "decided_by"),
        ),
        Prefetch(
            "reminders",
            Reminder.objects.filter(status=Reminder.Status.SENT)
            .select_related("recipient")
            .order_by("-reminder_date", "-pk"),
            to_attr="sent_reminders",
        ),
    )


def latest_return(action: Action) -> SignOffDecision | None:
    """The SILG chair's comment the agency must answer, while the action stands returned."""
    if action.returned_at is None:
        return None
    returns = [d for d in action.decisions.all() if d.outcome == SignOffDecision.Outcome.RETURNED]
    return returns[0] if returns else None


def extension_counts(action: Action) -> dict[str, int]:
    """How many extension requests were granted, declined and are awaiting a decision."""
    counts = Counter(request.status for request in action.extension_requests.all())
    return {status.value: counts[status] for status in ExtensionRequest.Status}


def status_counts(actions) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status in lifecycle order, counted in one query."""
    totals = dict.fromkeys(Action.Status.values, 0)
    for row in actions.order_by().values("status").annotate(count=Count("pk")):
        totals[row["status"]] = row["count"]
    return [(status.value, status.label, totals[status.value]) for status in Action.Status]


def own_agency_first(actions, user) -> list[Action]:
    """An agency lead sees their own agency's actions first; order is otherwise kept."""
    if not user.agency_id:
        return list(actions)
    return sorted(actions, key=lambda action: action.agency_id != user.agency_id)


def awaiting_sign_off():
    """Submitted actions, the longest waiting first."""
    return (
        Action.objects.filter(status=Action.Status.SUBMITTED)
        .select_related("recommendation__review", "agency")
        .order_by("submitted_at", "pk")
    )


def awaiting_extension_decision():
    return (
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("action__recommendation__review", "action__agency", "requested_by")
        .order_by("requested_at", "pk")
    )
