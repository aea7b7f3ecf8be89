"""The columns of an exported list of actions: everything a SILG paper needs."""

from django.utils import timezone

from sscp.spreadsheets import Column

COLUMNS = [
    Column("Review", 24),
    Column("Kind of review", 20),
    Column("Recommendation", 8),
    Column("Recommendation text", 50),
    Column("Action", 40),
    Column("Agency", 18),
    Column("Owner", 18),
    Column("Status", 16),
    Column("Rating", 12),
    Column("Original due date", 14),
    Column("Current due date", 14),
    Column("Days overdue", 10),
    Column("Extensions granted", 10),
    Column("Success measure", 50),
    Column("Latest progress", 50),
    Column("Latest progress on", 16),
    Column("Submitted on", 16),
    Column("Signed off on", 16),
    Column("Completion statement", 50),
    Column("Link", 30),
]


def _local(moment):
    return timezone.localtime(moment) if moment else None


def rows(actions, *, site_url: str):
    """One row per action, in COLUMNS order; `actions` comes from selectors.for_export."""
    today = timezone.localdate()
    for action in actions:
        recommendation = action.recommendation
        yield [
            recommendation.review.title,
            recommendation.review.get_kind_display(),
            recommendation.number,
            recommendation.text,
            action.title,
            action.agency.short_name,
            str(action.owner) if action.owner else "",
            action.get_status_display(),
            action.rag(today).label,
            action.original_due_date,
            action.due_date,
            action.days_overdue(today),
            action.extensions_granted,
            action.success_measure,
            action.latest_progress or "",
            _local(action.latest_progress_at),
            _local(action.submitted_at),
            _local(action.completed_at),
            action.completion_statement,
            site_url + action.get_absolute_url(),
        ]
