"""
The action lifecycle: one table of every transition — who may take it, from which
statuses, to which, what it needs — and the changes each makes to an action.

Everything that knows the lifecycle reads it here:

- the services (actions.services) check a transition is possible with `check` and
  make its change with the transition's own function below (`submit`, `approve`,
  `reopen`…), which also gives the history row's reason;
- the buttons on an action's page are the transitions the permission module says
  the person may take now (sscp.permissions.allowed), in the table's order;
- the reminders ask `AGENCY_WORKS_ON`: nothing is due once an action has left it;
- the load generator (devtools) writes its history with the same functions, so
  generated data goes through exactly the states and reasons real data does.

docs/architecture.md draws the table.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format

from actions.models import CLOSED_STATUSES, OPEN_STATUSES
from actions.models import ActionStatus as Status
from sscp.permissions import Ability

OPEN = frozenset(OPEN_STATUSES)
EVERY = OPEN | frozenset(CLOSED_STATUSES)
# The agency's part: before submission, when it posts evidence, asks for more time,
# submits. Reminders about due dates go only while an action is here.
AGENCY_WORKS_ON = frozenset({Status.NOT_STARTED, Status.IN_PROGRESS})


@dataclass(frozen=True)
class Transition:
    """One thing that can be done to an action."""

    name: str
    ability: Ability  # who may: asked of sscp.permissions
    sources: frozenset  # the statuses it can be taken from
    target: str | None  # the status it leaves the action in (None: as it was)
    refusal: str  # what the person is told when the action is not in a source status
    needs: str = ""  # what it needs, in words, for the table in docs/architecture.md
    button: str = ""  # the button on the action's page, if it has one
    url_name: str = ""
    style: str = "secondary"  # the GOV.UK button's kind: primary, secondary or warning


TRANSITIONS = [
    Transition(
        "evidence", Ability.WORK, AGENCY_WORKS_ON, None,
        "Evidence can only be added before submission.",
        needs="one or more files that pass the checks, and what they show",
        button="Upload evidence", url_name="evidence-upload", style="primary",
    ),
    Transition(
        "submit", Ability.WORK, AGENCY_WORKS_ON, Status.SUBMITTED,
        "Only an action in progress can be submitted.",
        needs="a completion statement, and at least one evidence file not withdrawn",
        button="Submit for sign-off", url_name="action-submit", style="primary",
    ),
    Transition(
        "progress", Ability.WORK, OPEN, None,
        "Progress can only be posted on an open action.",
        needs="the update", button="Post a progress update", url_name="action-progress",
    ),
    Transition(
        "extension", Ability.WORK, AGENCY_WORKS_ON, None,
        "An extension can only be asked for before submission.",
        needs="a later due date and a reason; none already awaiting a decision",
        button="Ask for an extension", url_name="extension-request",
    ),
    Transition(
        "withdraw_evidence", Ability.WORK, AGENCY_WORKS_ON, None,
        "Evidence can only be withdrawn before submission.",
        needs="a reason",
    ),
    Transition(
        "approve", Ability.DECIDE, frozenset({Status.SUBMITTED}), Status.COMPLETED,
        "Only an action submitted for sign-off can be approved.",
        needs="nothing more; an extension request waiting is closed without a decision",
        button="Sign off or return", url_name="action-sign-off", style="primary",
    ),
    Transition(
        "return", Ability.DECIDE, frozenset({Status.SUBMITTED}), Status.IN_PROGRESS,
        "Only an action submitted for sign-off can be returned.",
        needs="a comment saying what is missing",
        button="Sign off or return", url_name="action-sign-off", style="primary",
    ),
    Transition(
        "reopen", Ability.DECIDE, frozenset({Status.COMPLETED}), Status.IN_PROGRESS,
        "Only a completed action can be reopened.",
        needs="a reason and a new due date; reopens its recommendation if closed",
        button="Reopen", url_name="action-reopen",
    ),
    Transition(
        "supersede", Ability.DECIDE, OPEN, Status.SUPERSEDED,
        "Only an open action can be superseded.",
        needs="a reason; an extension request waiting is closed without a decision",
        button="Mark superseded", url_name="action-supersede", style="warning",
    ),
    Transition(
        "grant_extension", Ability.DECIDE, OPEN, None,
        "Only an open action's due date can change.",
        needs="an extension request awaiting a decision",
    ),
    Transition(
        "decline_extension", Ability.DECIDE, EVERY, None,
        "An extension request can only be declined while it awaits a decision.",
        needs="a reason",
    ),
    Transition(
        "edit", Ability.PLAN, OPEN, None,
        "Only an open action can be edited.",
        needs="a title, description and success measure",
        button="Edit the action", url_name="action-edit",
    ),
    Transition(
        "correct_due_date", Ability.PLAN, OPEN, None,
        "Only an open action's due date can change.",
        needs="a new due date and a reason",
        button="Correct the due date", url_name="action-due-date",
    ),
    Transition(
        "move", Ability.PLAN, OPEN, None,
        "Only an open action can move to another agency.",
        needs="another owning agency of the recommendation, and a reason; its leads are told",
        button="Move to another agency", url_name="action-move",
    ),
    Transition(
        "withdraw", Ability.PLAN, EVERY, None,
        "",
        needs="a reason; it stays on the record, in no list, count, export, reminder or figure; "
        "an extension request waiting is closed without a decision",
        button="Withdraw: logged in error", url_name="action-withdraw", style="warning",
    ),
]  # fmt: skip
BY_NAME = {transition.name: transition for transition in TRANSITIONS}


def buttons(transitions) -> list[Transition]:
    """The buttons for some transitions: one per page they open, in the table's order."""
    seen, shown = set(), []
    for transition in transitions:
        if transition.button and transition.url_name not in seen:
            seen.add(transition.url_name)
            shown.append(transition)
    return shown


def check(action, name: str) -> None:
    """Refuse, in words, a transition the action's status does not allow."""
    transition = BY_NAME[name]
    if action.status not in transition.sources:
        raise ValidationError(
            f"{transition.refusal} It is now “{action.get_status_display().lower()}”.",
            code="invalid_state",
        )


# The changes -------------------------------------------------------------------
# Each takes the action (locked by the service, or a generated one), makes the
# change and returns the history row's reason. They save nothing.


def start(action, *, by: str) -> str | None:
    """Agency activity on an action not started moves it to in progress; the reason, or
    None when it was already going."""
    if action.status != Status.NOT_STARTED:
        return None
    action.status = Status.IN_PROGRESS
    return f"Work started: {by}"


def submit(action, *, now: datetime.datetime, statement: str) -> str:
    action.status = Status.SUBMITTED
    action.submitted_at = now
    action.completion_statement = statement
    action.returned_at = None
    return "Submitted for sign-off"


def approve(action, *, actor, now: datetime.datetime, comment: str = "") -> str:
    action.status = Status.COMPLETED
    action.completed_at = now
    action.completed_by = actor
    action.returned_at = None
    return f"Approved{': ' + comment if comment else ''}"


def return_to_agency(action, *, now: datetime.datetime, comment: str) -> str:
    action.status = Status.IN_PROGRESS
    action.returned_at = now
    return f"Returned to the agency: {comment}"


def reopen(action, *, reason: str, due_date: datetime.date) -> str:
    previous = action.due_date
    action.status = Status.IN_PROGRESS
    action.completed_at = None
    action.completed_by = None
    action.due_date = due_date
    moved = f" Due date moved from {date_format(previous)}." if due_date != previous else ""
    return f"Reopened: {reason}{moved}"


def move(action, *, agency, reason: str) -> str:
    """The action moves to another agency, logged against the wrong one: it has no single
    owner there until the team names one."""
    before = action.agency
    action.agency = agency
    action.owner = None
    return f"Moved from {before.short_name} to {agency.short_name}: {reason}"


def withdraw(record, *, actor, when, reason: str, why: str = "Withdrawn as logged in error") -> str:
    """A review, recommendation or action logged in error is withdrawn: its status stays as
    it was, and from now on it is only on the record (reviews.models.Withdrawable)."""
    record.withdrawn_at, record.withdrawn_by, record.withdrawal_reason = when, actor, reason
    return f"{why}: {reason}"


def supersede(action, *, reason: str) -> str:
    action.status = Status.SUPERSEDED
    action.returned_at = None
    return f"Superseded: {reason}"


def move_due_date(action, *, due_date: datetime.date, why: str) -> str:
    """A due date corrected by the partnership team, or extended by the SILG chair."""
    previous = action.due_date
    action.due_date = due_date
    return f"{why} from {date_format(previous)}"


# The reasons on the history rows of an action's own records.
PLANNED = "Action planned"
PROGRESS_POSTED = "Progress posted"
EVIDENCE_UPLOADED = "Evidence uploaded"
EXTENSION_REQUESTED = "Extension requested"


def decided(outcome_label: str) -> str:
    return f"Sign-off decision: {outcome_label.lower()}"


def extension_decided(status_label: str) -> str:
    return f"Extension {status_label.lower()}"
