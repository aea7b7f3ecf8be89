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

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, ExtensionRequest, Rag
from reviews.models import ImpactCheck, Review, assurance_of
from sscp.spreadsheets import Column


class Row:
    """One action as the query read it, and what writing its cells needs. A plain class
    with slots: one is made per action of an export of tens of thousands."""

    __slots__ = ("values", "today", "link", "zone")

    def __init__(self, values: dict, today: datetime.date, link: str, zone):
        self.values, self.today, self.link, self.zone = values, today, link, zone

    @property
    def confidential(self) -> bool:
        """May the person exporting read its confidential text (`query` worked it out)?"""
        return self.values["confidential"]

    def __getitem__(self, name):
        return self.values[name]

    def local(self, name):
        moment = self.values[name]
        return moment.astimezone(self.zone) if moment else None

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


def _recommendation_status(row: Row) -> str:
    return assurance_of(
        row["recommendation__closed_at"],
        row["recommendation__embedded_at"],
        row["recommendation__impact_check_due_on"],
        row["impact_awaiting_decision"],
        row.today,
    ).label


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
    ExportColumn(
        "Recommendation status", 16,
        ("recommendation__closed_at", "recommendation__embedded_at",
         "recommendation__impact_check_due_on", "impact_awaiting_decision"),
        _recommendation_status,
    ),
    ExportColumn("Link", 30, ("pk",), lambda row: row.link),
]  # fmt: skip
# What the query reads: every column's values, whether the person may read its
# confidential text, and what its address needs.
FIELDS = tuple(dict.fromkeys(name for c in COLUMNS for name in c.reads)) + (
    "confidential",
    "partnership_id",
    "review_id",
)


def query(actions, today: datetime.date, confidential):
    """Each action as a dict of FIELDS: one query for any number of rows.

    Plain values rather than model instances, and subqueries rather than joins
    and GROUP BY, so that a large export streams quickly in flat memory.
    `confidential` is the filter of the actions whose confidential text the person
    exporting may read (sscp.permissions.own_work).
    """
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
        .with_latest_progress()
        .annotate(
            extensions_granted=Coalesce(Subquery(granted), 0),
            impact_awaiting_decision=Exists(
                ImpactCheck.objects.filter(recommendation=OuterRef("recommendation"), outcome="")
            ),
            confidential=Case(
                When(confidential, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values(*FIELDS)
    )


def rows(actions, *, site_url: str, today, scope):
    """One list of cells per action, in COLUMNS order, from the dicts of `query`.

    The latest progress and the completion statement are written only where the
    person exporting may read them (`query` worked that out); for the others they
    are left empty. Each link names the partnership of `scope` the action is reached
    through.
    """
    link = site_url + Action.url_format()
    zone = timezone.get_current_timezone()
    cells = [column.cell for column in COLUMNS]
    for values in actions:
        partnership = scope.partnership_for(values["partnership_id"], values["review_id"])
        row = Row(values, today, link.format(partnership.slug, values["pk"]), zone)
        yield [cell(row) for cell in cells]
