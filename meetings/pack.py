"""A SILG meeting's pack as a PDF (sscp.pdf, WeasyPrint): a contents page, then each
agenda item on its own page with the facts the SILG chair needs to decide it, and the
names and SHA-256 fingerprints of its files. Confidential: only the partnership team and
the SILG chair read it (Ability.OVERSEE)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from actions.models import Action
from meetings.models import AgendaItem, AgendaKind, Meeting
from reviews import journey
from sscp.pdf import pdf_document
from sscp.working_days import WorkingDays


@dataclass
class ItemFacts:
    """One agenda item as the pack shows it."""

    number: int
    item: AgendaItem
    facts: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, str]] = field(default_factory=list)  # name, SHA-256, note

    @property
    def anchor(self) -> str:
        return f"item-{self.number}"


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else "Nobody"


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y") if moment else "Not yet"


def _action_facts(action: Action, today: datetime.date) -> tuple[list, list]:
    recommendation = action.recommendation
    due = date_format(action.due_date)
    if action.due_date_moved:
        due += f" (first due {date_format(action.original_due_date)})"
    if overdue := action.days_overdue(today):
        due += f", {overdue} day{'s' if overdue != 1 else ''} overdue"
    latest = action.progress_updates.order_by("-created_at", "-pk").first()
    facts = [
        ("Action", action.title),
        ("Review", recommendation.review.title),
        ("Recommendation", f"{recommendation.number}: {recommendation.text}"),
        ("Agency", action.agency.name + (f" ({_person(action.owner)})" if action.owner else "")),
        ("Due", due),
        ("Status", action.get_status_display()),
        ("What will be done", action.description),
        ("Success measure", action.success_measure),
        (
            "Latest progress",
            f"{latest.text} ({_person(latest.author)}, {_when(latest.created_at)})"
            if latest
            else "None posted",
        ),
    ]
    if action.submitted_at and action.completion_statement:
        facts.append(("Submitted", _when(action.submitted_at)))
        facts.append(("Completion statement", action.completion_statement))
    files = [
        (e.original_name, e.sha256, "withdrawn" if e.is_withdrawn else "")
        for e in action.evidence.order_by("uploaded_at", "pk")
    ]
    return facts, files


def _extension_facts(item: AgendaItem, today) -> tuple[list, list]:
    extension = item.extension_request
    facts, files = _action_facts(extension.action, today)
    facts[1:1] = [
        ("Requested due date", date_format(extension.requested_due_date)),
        ("Due date when asked", date_format(extension.due_date_at_request)),
        ("Asked by", f"{_person(extension.requested_by)}, {_when(extension.requested_at)}"),
        ("Reason", extension.reason),
        ("Decision", extension.get_status_display()),
    ]
    return facts, files


def _recommendation_facts(recommendation) -> list:
    return [
        ("Review", recommendation.review.title),
        ("Recommendation", f"{recommendation.number}: {recommendation.text}"),
        ("Closed", f"{_when(recommendation.closed_at)} by {_person(recommendation.closed_by)}"),
        ("Statement of impact", recommendation.impact_statement or "None"),
        (
            "Impact to be checked by",
            date_format(recommendation.impact_check_due_on)
            if recommendation.impact_check_due_on
            else "No date set",
        ),
    ]


def _impact_check_facts(item: AgendaItem, today) -> tuple[list, list]:
    check = item.impact_check
    facts = _recommendation_facts(check.recommendation) + [
        ("How the impact was checked", check.get_method_display()),
        ("What the check found", check.findings),
        ("Recorded", f"{_person(check.recorded_by)}, {_when(check.recorded_at)}"),
        ("Decision", check.get_outcome_display() or "Awaiting the SILG chair"),
    ]
    files = [(f.original_name, f.sha256, "") for f in check.files.order_by("uploaded_at", "pk")]
    return facts, files


def _impact_due_facts(item: AgendaItem, today) -> tuple[list, list]:
    return _recommendation_facts(item.recommendation), []


def _stage_facts(item: AgendaItem, today) -> tuple[list, list]:
    review = item.review
    states = journey.journey(review, WorkingDays.of(review.partnership), today)
    state = next(s for s in states if s.stage.key == item.stage)
    left = state.working_days_left
    if left is None:
        time_left = state.standing
    elif left < 0:
        time_left = f"{-left} working day{'s' if left != -1 else ''} overdue"
    else:
        time_left = f"{left} working day{'s' if left != 1 else ''} left"
    facts = [
        ("Review", review.title),
        ("Stage", state.stage.label),
        ("Due", date_format(state.due_on) if state.due_on else "No deadline"),
        ("Where it stands", f"{state.standing}: {time_left}"),
        ("Local authority became aware", date_format(review.became_aware_on)),
    ]
    return facts, []


FACTS = {
    AgendaKind.SUBMISSION: lambda item, today: _action_facts(item.action, today),
    AgendaKind.OVERDUE: lambda item, today: _action_facts(item.action, today),
    AgendaKind.EXTENSION: _extension_facts,
    AgendaKind.IMPACT_CHECK: _impact_check_facts,
    AgendaKind.IMPACT_CHECK_DUE: _impact_due_facts,
    AgendaKind.STAGE: _stage_facts,
}


def item_facts(items, today: datetime.date) -> list[ItemFacts]:
    pack = []
    for number, item in enumerate(items, start=1):
        facts, files = FACTS[item.kind](item, today)
        pack.append(ItemFacts(number, item, facts, files))
    return pack


def file_name(meeting: Meeting) -> str:
    return (
        f"{slugify(meeting.partnership.short_name)}-silg-meeting-{meeting.date:%Y-%m-%d}-pack.pdf"
    )


def render(meeting: Meeting, *, issued_by=None, issued_at=None) -> bytes:
    """The pack of `meeting` as a PDF: issued (by and at given), or a draft, marked so on
    every page."""
    items = list(meeting.items.order_by("position", "pk"))
    today = timezone.localdate(issued_at) if issued_at else timezone.localdate()
    return pdf_document(
        "meetings/pack_pdf.html",
        {
            "meeting": meeting,
            "items": item_facts(items, today),
            "draft": issued_at is None,
            "issued_by": _person(issued_by) if issued_by else "",
            "issued_on": _when(issued_at) if issued_at else "",
            "prepared_on": date_format(today),
        },
    )


def render_minutes(meeting: Meeting) -> bytes:
    """The confirmed minutes of `meeting` as a PDF."""
    return pdf_document(
        "meetings/minutes_pdf.html",
        {
            "meeting": meeting,
            "entries": list(meeting.minutes.select_related("decided_by")),
            "confirmed_by": _person(meeting.minutes_confirmed_by),
            "confirmed_on": _when(meeting.minutes_confirmed_at),
        },
    )
