"""
An exported list of actions: everything a SILG paper needs, declared once.

Each column of COLUMNS says its header, its width in the spreadsheet, the values the
query reads for it, and how its cell is written from them: `query` reads the union
of those values in one query, `rows` writes the cells in the columns' order. Adding
a column is one line here (docs/architecture.md, "How to add").
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, ExtensionRequest, ProgressUpdate, Rag
from reviews.models import Review
from sscp.spreadsheets import Column


@dataclass(frozen=True)
class Row:
    """One action as the query read it, and what writing its cells needs."""

    values: dict
    today: datetime.date
    link: str  # the action's address, with "{}" for its id
    confidential: bool  # may the person exporting read its confidential text?

    def __getitem__(self, name):
        return self.values[name]

    def local(self, name):
        moment = self.values[name]
        return moment.astimezone(timezone.get_current_timezone()) if moment else None

    def secret(self, name, empty=""):
        """A confidential value, left empty for those who may not read it."""
        return (self.values[name] or empty) if self.confidential else empty


@dataclass(frozen=True)
class ExportColumn(Column):
    reads: tuple[str, ...] = ()
    cell: Callable[[Row], object] = None


def field(header: str, width: int, name: str) -> ExportColumn:
    """A column that is one value of the query, as it is."""
    return ExportColumn(header, width, (name,), lambda row: row[name])


def _owner(row: Row) -> str:
    name = " ".join(filter(None, [row["owner__first_name"], row["owner__last_name"]]))
    return name or row["owner__username"] or ""


KINDS = dict(Review.Kind.choices)
STATUSES = dict(Action.Status.choices)
RATINGS = dict(Rag.choices)

COLUMNS = [
    field("Review", 24, "recommendation__review__title"),
    ExportColumn(
        "Kind of review", 20, ("recommendation__review__kind",),
        lambda row: KINDS[row["recommendation__review__kind"]],
    ),
    field("Recommendation", 8, "recommendation__number"),
    field("Recommendation text", 50, "recommendation__text"),
    field("Action", 40, "title"),
    field("Agency", 18, "agency__short_name"),
    ExportColumn(
        "Owner", 18, ("owner__username", "owner__first_name", "owner__last_name"), _owner
    ),
    ExportColumn("Status", 16, ("status",), lambda row: STATUSES[row["status"]]),
    ExportColumn("Rating", 12, ("rag_value",), lambda row: RATINGS[row["rag_value"]]),
    field("Original due date", 14, "original_due_date"),
    field("Current due date", 14, "due_date"),
    ExportColumn(
        "Days overdue", 10, ("status", "due_date"),
        lambda row: Action.days_overdue_of(row["status"], row["due_date"], row.today),
    ),
    field("Extensions granted", 10, "extensions_granted"),
    field("Success measure", 50, "success_measure"),
    ExportColumn(
        "Latest progress", 50, ("latest_progress",), lambda row: row.secret("latest_progress")
    ),
    ExportColumn(
        "Latest progress on", 16, ("latest_progress_at",),
        lambda row: row.local("latest_progress_at") if row.confidential else None,
    ),
    ExportColumn("Submitted on", 16, ("submitted_at",), lambda row: row.local("submitted_at")),
    ExportColumn("Signed off on", 16, ("completed_at",), lambda row: row.local("completed_at")),
    ExportColumn(
        "Completion statement", 50, ("completion_statement",),
        lambda row: row.secret("completion_statement"),
    ),
    ExportColumn("Link", 30, ("pk",), lambda row: row.link.format(row["pk"])),
]  # fmt: skip
# What the query reads: every column's values, and the agency, which decides who may
# read an action's confidential text.
FIELDS = tuple(dict.fromkeys(name for c in COLUMNS for name in c.reads)) + ("agency_id",)


def query(actions, today: datetime.date):
    """Each action as a dict of FIELDS: one query for any number of rows.

    Plain values rather than model instances, and subqueries rather than joins
    and GROUP BY, so that a large export streams quickly in flat memory.
    """
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk")
    granted = (
        ExtensionRequest.objects.filter(
            action=OuterRef("pk"), status=ExtensionRequest.Status.GRANTED
        )
        .order_by()
        .values("action")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        actions.with_rag(today)
        .annotate(
            extensions_granted=Coalesce(Subquery(granted), 0),
            latest_progress=Subquery(latest.values("text")[:1]),
            latest_progress_at=Subquery(latest.values("created_at")[:1]),
        )
        .values(*FIELDS)
    )


def rows(actions, *, site_url: str, today, confidential_agencies: set[int] | None):
    """One list of cells per action, in COLUMNS order, from the dicts of `query`.

    The latest progress and the completion statement are written only for the
    actions of `confidential_agencies` (None: every agency), as the permission
    module decides for the person exporting; for the others they are left empty.
    """
    link = site_url + Action.url_format()
    for values in actions:
        confidential = confidential_agencies is None or values["agency_id"] in confidential_agencies
        row = Row(values, today, link, confidential)
        yield [column.cell(row) for column in COLUMNS]
