"""
Every change to an action, its progress, evidence, extensions and sign-off.

Each function is one transition of design.md's lifecycle. It locks the action row
(so two people acting at once get one outcome and a clear message, not two),
checks the action is in a state that allows the change, makes it, and saves with
the acting user and the reason on the history row. Who may call which function is
decided before, in actions.permissions.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from actions import reminders, tasks
from actions.evidence import InspectedUpload, inspect_upload, remove_stored_files, store_file
from actions.models import (
    Action,
    Evidence,
    ExtensionRequest,
    ProgressUpdate,
    SignOffDecision,
)
from audits.history import save_tracked, with_confirmation
from reviews.models import Recommendation
from sscp.models import Agency, User

logger = logging.getLogger(__name__)

Status = Action.Status
EDITABLE_BY_AGENCY = (Status.NOT_STARTED, Status.IN_PROGRESS)


def _locked(action: Action) -> Action:
    """Re-read the action under a row lock, so the checks below see the latest state."""
    return (
        Action.objects.select_for_update()
        .select_related("recommendation__review", "agency")
        .get(pk=action.pk)
    )


def _require_status(action: Action, allowed, message: str) -> None:
    if action.status not in allowed:
        raise ValidationError(
            f"{message} It is now “{action.get_status_display().lower()}”.", code="invalid_state"
        )


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code="required")
    return value


def _validate_owner(owner: User | None, agency: Agency) -> None:
    if owner is not None and (owner.agency_id != agency.pk or not owner.is_agency_lead):
        raise ValidationError({"owner": f"The owner must be an agency lead of {agency}"})


def _start(action: Action, *, actor: User, reason: str) -> None:
    """Agency activity on an action that has not started moves it to in progress."""
    if action.status == Status.NOT_STARTED:
        action.status = Status.IN_PROGRESS
        save_tracked(action, actor=actor, reason=reason)


# Planning: the partnership team ------------------------------------------------


@transaction.atomic
def action_create(
    *,
    actor: User,
    recommendation: Recommendation,
    agency: Agency,
    owner: User | None,
    title: str,
    description: str,
    success_measure: str,
    due_date: datetime.date,
    confirmed: list[str] = (),
) -> Action:
    if recommendation.is_closed:
        raise ValidationError("The recommendation is closed: no actions can be added to it")
    if not recommendation.agencies.filter(pk=agency.pk).exists():
        raise ValidationError(
            {"agency": f"{agency} is not an owning agency of this recommendation"}
        )
    _validate_owner(owner, agency)
    action = Action(
        recommendation=recommendation,
        agency=agency,
        owner=owner,
        title=_require_text(title, "Enter a title"),
        description=_require_text(description, "Enter a description"),
        success_measure=_require_text(success_measure, "Enter a success measure"),
        original_due_date=due_date,
        due_date=due_date,
    )
    return save_tracked(action, actor=actor, reason=with_confirmation("Action planned", confirmed))


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    owner: User | None,
    title: str,
    description: str,
    success_measure: str,
) -> Action:
    action = _locked(action)
    _require_status(action, Action.OPEN_STATUSES, "Only an open action can be edited.")
    _validate_owner(owner, action.agency)
    action.owner = owner
    action.title = _require_text(title, "Enter a title")
    action.description = _require_text(description, "Enter a description")
    action.success_measure = _require_text(success_measure, "Enter a success measure")
    return save_tracked(action, actor=actor, reason="Action details edited")


@transaction.atomic
def action_correct_due_date(
    *, actor: User, action: Action, due_date: datetime.date, reason: str, confirmed=()
) -> Action:
    """The partnership team corrects the current due date; the original never changes."""
    action = _locked(action)
    _require_status(action, Action.OPEN_STATUSES, "Only an open action's due date can change.")
    reason = _require_text(reason, "Enter the reason for changing the due date")
    if due_date == action.due_date:
        raise ValidationError({"due_date": "The new due date is the same as the current one"})
    previous = action.due_date
    action.due_date = due_date
    reason = with_confirmation(
        f"Due date corrected from {date_format(previous)}: {reason}", confirmed
    )
    return save_tracked(action, actor=actor, reason=reason)


# Agency work: progress, evidence, submission ----------------------------------


@transaction.atomic
def progress_post(*, actor: User, action: Action, text: str) -> ProgressUpdate:
    action = _locked(action)
    _require_status(action, Action.OPEN_STATUSES, "Progress can only be posted on an open action.")
    update = ProgressUpdate(
        action=action, author=actor, text=_require_text(text, "Enter the progress update")
    )
    save_tracked(update, actor=actor, reason="Progress posted")
    _start(action, actor=actor, reason="Work started: progress posted")
    return update


@transaction.atomic
def evidence_attach(
    *, actor: User, action: Action, uploads: list, description: str
) -> list[Evidence]:
    """Store one or more evidence files under random names, all or none.

    1. Check the action still takes evidence and every file is what it claims to be.
    2. Write each file to evidence storage.
    3. Write the rows. If anything fails, remove the files written so far, so that
       no row ever points at a missing file and no file outlives a refused upload.
    """
    action = _locked(action)
    _require_status(action, EDITABLE_BY_AGENCY, "Evidence can only be added before submission.")
    description = _require_text(description, "Describe what the files show")
    if not uploads:
        raise ValidationError("Choose at least one file to upload", code="required")
    inspected: list[InspectedUpload] = [inspect_upload(upload) for upload in uploads]
    stored: list[Evidence] = []
    try:
        for upload, facts in zip(uploads, inspected, strict=True):
            evidence = Evidence(
                action=action,
                original_name=facts.display_name,
                description=description,
                content_type=facts.content_type,
                size=facts.size,
                sha256=facts.sha256,
                uploaded_by=actor,
            )
            store_file(evidence, upload)
            stored.append(evidence)
            save_tracked(evidence, actor=actor, reason="Evidence uploaded")
        _start(action, actor=actor, reason="Work started: evidence uploaded")
    except BaseException:
        remove_stored_files(stored)
        raise
    return stored


@transaction.atomic
def evidence_withdraw(*, actor: User, evidence: Evidence, reason: str) -> Evidence:
    """Mark evidence withdrawn. The file and its row stay, shown as withdrawn."""
    action = _locked(evidence.action)
    _require_status(action, EDITABLE_BY_AGENCY, "Evidence can only be withdrawn before submission.")
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.is_withdrawn:
        raise ValidationError("This evidence has already been withdrawn.")
    evidence.withdrawn_at = timezone.now()
    evidence.withdrawn_by = actor
    evidence.withdrawal_reason = _require_text(reason, "Enter the reason for withdrawing it")
    return save_tracked(
        evidence, actor=actor, reason=f"Evidence withdrawn: {evidence.withdrawal_reason}"
    )


@transaction.atomic
def action_submit(*, actor: User, action: Action, completion_statement: str) -> Action:
    action = _locked(action)
    _require_status(action, EDITABLE_BY_AGENCY, "Only an action in progress can be submitted.")
    statement = _require_text(completion_statement, "Enter a completion statement")
    if not action.evidence.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError(
            "Upload at least one evidence file before submitting for sign-off.", code="no_evidence"
        )
    action.status = Status.SUBMITTED
    action.submitted_at = timezone.now()
    action.completion_statement = statement
    action.returned_at = None
    return save_tracked(action, actor=actor, reason="Submitted for sign-off")


# Extensions --------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, actor: User, action: Action, requested_due_date: datetime.date, reason: str, confirmed=()
) -> ExtensionRequest:
    action = _locked(action)
    _require_status(
        action, EDITABLE_BY_AGENCY, "An extension can only be asked for before submission."
    )
    reason = _require_text(reason, "Enter the reason for the extension")
    if requested_due_date <= action.due_date:
        raise ValidationError(
            {
                "requested_due_date": "The new due date must be after the current one, "
                f"{date_format(action.due_date)}"
            },
            code="not_later",
        )
    if action.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ValidationError(
            "An extension request for this action is already awaiting a decision."
        )
    extension = ExtensionRequest(
        action=action,
        requested_by=actor,
        due_date_at_request=action.due_date,
        requested_due_date=requested_due_date,
        reason=reason,
    )
    return save_tracked(
        extension, actor=actor, reason=with_confirmation("Extension requested", confirmed)
    )


def _decide_extension(extension: ExtensionRequest, *, actor: User, status, comment: str):
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ValidationError(
            f"This extension request has already been {extension.get_status_display().lower()}."
        )
    extension.status = status
    extension.decided_by = actor
    extension.decided_at = timezone.now()
    extension.decision_comment = comment
    return save_tracked(extension, actor=actor, reason=f"Extension {status.label.lower()}")


@transaction.atomic
def extension_grant(
    *, actor: User, extension: ExtensionRequest, comment: str = ""
) -> ExtensionRequest:
    action = _locked(extension.action)
    _require_status(action, Action.OPEN_STATUSES, "Only an open action's due date can change.")
    extension = _decide_extension(
        extension, actor=actor, status=ExtensionRequest.Status.GRANTED, comment=comment.strip()
    )
    previous = action.due_date
    action.due_date = extension.requested_due_date
    save_tracked(
        action,
        actor=actor,
        reason=f"Extension granted from {date_format(previous)}: {extension.reason}",
    )
    return extension


@transaction.atomic
def extension_decline(
    *, actor: User, extension: ExtensionRequest, comment: str
) -> ExtensionRequest:
    _locked(extension.action)
    comment = _require_text(comment, "Enter the reason for declining the extension")
    return _decide_extension(
        extension, actor=actor, status=ExtensionRequest.Status.DECLINED, comment=comment
    )


def _close_pending_extensions(action: Action, *, actor: User, why: str) -> None:
    """An extension request left waiting when the action closes is closed, not declined."""
    for extension in action.extension_requests.filter(status=ExtensionRequest.Status.PENDING):
        _decide_extension(
            extension, actor=actor, status=ExtensionRequest.Status.CLOSED, comment=why
        )


# Sign-off: the SILG chair ------------------------------------------------------


def _decide(action: Action, *, actor: User, outcome, comment: str) -> SignOffDecision:
    decision = SignOffDecision(action=action, outcome=outcome, comment=comment, decided_by=actor)
    return save_tracked(decision, actor=actor, reason=f"Sign-off decision: {outcome.label.lower()}")


@transaction.atomic
def action_approve(*, actor: User, action: Action, comment: str = "") -> Action:
    action = _locked(action)
    _require_status(
        action, [Status.SUBMITTED], "Only an action submitted for sign-off can be approved."
    )
    comment = (comment or "").strip()
    action.status = Status.COMPLETED
    action.completed_at = timezone.now()
    action.completed_by = actor
    action.returned_at = None
    save_tracked(action, actor=actor, reason=f"Approved{': ' + comment if comment else ''}")
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.APPROVED, comment=comment)
    _close_pending_extensions(
        action, actor=actor, why="Not needed: the action was signed off as completed."
    )
    return action


@transaction.atomic
def action_return(*, actor: User, action: Action, comment: str) -> Action:
    action = _locked(action)
    _require_status(
        action, [Status.SUBMITTED], "Only an action submitted for sign-off can be returned."
    )
    comment = _require_text(comment, "Enter a comment for the agency saying what is missing")
    action.status = Status.IN_PROGRESS
    action.returned_at = timezone.now()
    save_tracked(action, actor=actor, reason=f"Returned to the agency: {comment}")
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.RETURNED, comment=comment)
    reminders.notify_returned(action)
    tasks.deliver_after_commit()
    return action


@transaction.atomic
def action_reopen(
    *, actor: User, action: Action, reason: str, due_date: datetime.date, confirmed=()
) -> tuple[Action, bool]:
    """Reopen a completed action with a new due date; a closed recommendation it belongs
    to reopens too. Returns the action and whether its recommendation was reopened.

    The reason is the action's, confidential to its agency: the recommendation's history,
    which everyone reads, says only that the action was reopened.
    """
    action = _locked(action)
    _require_status(action, [Status.COMPLETED], "Only a completed action can be reopened.")
    reason = _require_text(reason, "Enter the reason for reopening the action")
    previous = action.due_date
    action.status = Status.IN_PROGRESS
    action.completed_at = None
    action.completed_by = None
    action.due_date = due_date
    moved = f" Due date moved from {date_format(previous)}." if due_date != previous else ""
    save_tracked(
        action, actor=actor, reason=with_confirmation(f"Reopened: {reason}{moved}", confirmed)
    )
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.REOPENED, comment=reason)
    recommendation = Recommendation.objects.select_for_update().get(pk=action.recommendation_id)
    if not recommendation.is_closed:
        return action, False
    recommendation.closed_at = None
    recommendation.closed_by = None
    recommendation.impact_statement = ""
    save_tracked(
        recommendation,
        actor=actor,
        reason=f"Reopened because its action “{action.title}” was reopened by the SILG chair",
    )
    return action, True


@transaction.atomic
def action_supersede(*, actor: User, action: Action, reason: str) -> Action:
    action = _locked(action)
    _require_status(action, Action.OPEN_STATUSES, "Only an open action can be superseded.")
    reason = _require_text(reason, "Enter the reason the action is superseded")
    action.status = Status.SUPERSEDED
    action.returned_at = None
    save_tracked(action, actor=actor, reason=f"Superseded: {reason}")
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.SUPERSEDED, comment=reason)
    _close_pending_extensions(action, actor=actor, why="Not needed: the action was superseded.")
    return action
