"""The columns of an exported list of actions: everything a SILG paper needs."""

from django.utils import timezone

from actions.models import Action, Rag
from reviews.models import Review
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


# What is left of a row whose confidential text the person may not read.
HIDDEN = {"latest_progress": "", "latest_progress_at": None, "completion_statement": ""}


def rows(actions, *, site_url: str, today, confidential_agencies: set[int] | None):
    """One row per action, in COLUMNS order, from the dicts of selectors.for_export.

    The latest progress and the completion statement are filled in only for the
    actions of `confidential_agencies` (None: every agency), as the permission
    module decides for the person exporting; for the others they are left empty.
    """
    zone = timezone.get_current_timezone()
    kinds, statuses, ratings = (
        dict(Review.Kind.choices),
        dict(Action.Status.choices),
        dict(Rag.choices),
    )

    link = site_url + Action.url_format()

    def local(moment):
        return moment.astimezone(zone) if moment else None

    for action in actions:
        owner = " ".join(filter(None, [action["owner__first_name"], action["owner__last_name"]]))
        if confidential_agencies is not None and action["agency_id"] not in confidential_agencies:
            action |= HIDDEN
        yield [
            action["recommendation__review__title"],
            kinds[action["recommendation__review__kind"]],
            action["recommendation__number"],
            action["recommendation__text"],
            action["title"],
            action["agency__short_name"],
            owner or action["owner__username"] or "",
            statuses[action["status"]],
            ratings[action["rag_value"]],
            action["original_due_date"],
            action["due_date"],
            Action.days_overdue_of(action["status"], action["due_date"], today),
            action["extensions_granted"],
            action["success_measure"],
            action["latest_progress"] or "",
            local(action["latest_progress_at"]),
            local(action["submitted_at"]),
            local(action["completed_at"]),
            action["completion_statement"],
            link.format(action["pk"]),
        ]
