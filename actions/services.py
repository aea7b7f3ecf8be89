"""
Every change to an action, its progress, evidence, extensions and sign-off.

Each function is one transition of the lifecycle table (actions.lifecycle). It locks
the action row (so two people acting at once get one outcome and a clear message,
not two), checks with the table that the action's status allows the change, makes
the table's change, and saves with the acting user and the reason on the history
row. Who may call which function is decided before, in sscp.permissions.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from actions import lifecycle, notices, tasks
from actions.evidence import InspectedUpload, inspect_upload, remove_stored_files, store_files
from actions.models import (
    Action,
    Evidence,
    ExtensionRequest,
    Notice,
    ProgressUpdate,
    Reminder,
    SignOffDecision,
)
from audits.history import save_tracked, with_confirmation
from reviews import services as review_services
from reviews.models import Recommendation, Review
from sscp.models import Agency, User
from sscp.permissions import agency_leads

logger = logging.getLogger(__name__)


def _locked(action: Action) -> Action:
    """Re-read the action under a row lock, so the checks below see the latest state."""
    action = (
        Action.every.select_for_update()
        .select_related("recommendation__review", "agency")
        .get(pk=action.pk)
    )
    if action.is_withdrawn:
        raise ValidationError("This action has been withdrawn: nothing more can be done to it")
    return action


def _require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code="required")
    return value


def _validate_owner(owner: User | None, agency: Agency, recommendation: Recommendation) -> None:
    """An owner must be a current lead of the agency in a partnership of the review."""
    if owner is None:
        return
    leads = agency_leads(recommendation.review.commissioners(), agency.pk)
    if not leads.filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"The owner must be an agency lead of {agency}"})


def _start(action: Action, *, actor: User, by: str) -> None:
    """Agency activity on an action that has not started moves it to in progress."""
    reason = lifecycle.start(action, by=by)
    if reason:
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
    _validate_owner(owner, agency, recommendation)
    action = Action(
        recommendation=recommendation,
        review_id=recommendation.review_id,
        partnership_id=recommendation.partnership_id,
        agency=agency,
        owner=owner,
        title=_require_text(title, "Enter a title"),
        description=_require_text(description, "Enter a description"),
        success_measure=_require_text(success_measure, "Enter a success measure"),
        original_due_date=due_date,
        due_date=due_date,
    )
    reason = with_confirmation(lifecycle.PLANNED, confirmed)
    return save_tracked(action, actor=actor, reason=reason)


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    owner: User | None,
    title: str,
    description: str,
    success_measure: str,
    confirmed=(),
) -> Action:
    action = _locked(action)
    lifecycle.check(action, "edit")
    _validate_owner(owner, action.agency, action.recommendation)
    action.owner = owner
    action.title = _require_text(title, "Enter a title")
    action.description = _require_text(description, "Enter a description")
    action.success_measure = _require_text(success_measure, "Enter a success measure")
    save_tracked(action, actor=actor, reason=with_confirmation("Action details edited", confirmed))
    _tell(Notice.Kind.ACTION_CHANGED, action, actor, f"{actor} edited {_named(action)}")
    return action


@transaction.atomic
def action_move(*, actor: User, action: Action, agency: Agency, reason: str) -> Action:
    """The partnership team moves an open action logged against the wrong agency to another
    owning agency of its recommendation, with a reason; that agency's leads are told."""
    action = _locked(action)
    lifecycle.check(action, "move")
    errors = {}
    if agency is None or agency.pk == action.agency_id:
        errors["agency"] = "Choose the agency the action moves to"
    elif not action.recommendation.agencies.filter(pk=agency.pk).exists():
        errors["agency"] = f"{agency} is not an owning agency of this recommendation"
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for moving the action"
    if errors:
        raise ValidationError(errors)
    save_tracked(
        action, actor=actor, reason=lifecycle.move(action, agency=agency, reason=reason.strip())
    )
    _tell(
        Notice.Kind.MOVED,
        action,
        actor,
        f"{actor} moved {_named(action)} to {agency.short_name}: your agency now owns it",
    )
    return action


@transaction.atomic
def withdraw(*, actor: User, record: Review | Recommendation | Action, reason: str):
    """The partnership team withdraws a review, recommendation or action logged in error,
    with a reason. It stays on the record (each row's history says who, when and why) and
    leaves every list, count, export, reminder and figure (reviews.models.Withdrawable); a
    review takes its recommendations and actions with it, a recommendation its actions.
    Extension requests left waiting are closed, and reminders waiting to go are cancelled."""
    model = type(record)
    record = model.every.select_for_update().get(pk=record.pk)
    label = model._meta.verbose_name
    if record.is_withdrawn:
        raise ValidationError(f"This {label} has already been withdrawn")
    reason = _require_text(reason, f"Enter the reason the {label} is withdrawn")
    if isinstance(record, Review):
        recommendations = list(record.recommendations.select_for_update())
        actions = Action.objects.filter(recommendation__review=record)
    elif isinstance(record, Recommendation):
        recommendations = []
        actions = record.actions.all()
    else:
        recommendations, actions = [], Action.objects.none()
    when = timezone.now()
    save_tracked(
        record,
        actor=actor,
        reason=lifecycle.withdraw(record, actor=actor, when=when, reason=reason),
    )
    with_it = f"Withdrawn with its {label} as logged in error"
    for recommendation in recommendations:
        save_tracked(
            recommendation,
            actor=actor,
            reason=lifecycle.withdraw(
                recommendation, actor=actor, when=when, reason=reason, why=with_it
            ),
        )
    withdrawn = [record] if isinstance(record, Action) else list(actions.select_for_update())
    for action in withdrawn:
        if action is not record:
            save_tracked(
                action,
                actor=actor,
                reason=lifecycle.withdraw(
                    action, actor=actor, when=when, reason=reason, why=with_it
                ),
            )
        _close_pending_extensions(action, actor=actor, why="Not needed: the action was withdrawn.")
        notices.tell(
            Notice.Kind.WITHDRAWN,
            actor=actor,
            text=f"{actor} withdrew {_named(action)} as logged in error: no more work is needed "
            "on it",
            action=action,
        )
    tasks.deliver_after_commit()
    about = Q(action__in=[action.pk for action in withdrawn])
    if isinstance(record, Review):
        about |= Q(review=record)
    Reminder.objects.filter(about, status__in=Reminder.CLAIMABLE).update(
        status=Reminder.Status.CANCELLED
    )
    return record


@transaction.atomic
def action_correct_due_date(
    *, actor: User, action: Action, due_date: datetime.date, reason: str, confirmed=()
) -> Action:
    """The partnership team corrects the current due date; the original never changes."""
    action = _locked(action)
    lifecycle.check(action, "correct_due_date")
    reason = _require_text(reason, "Enter the reason for changing the due date")
    if due_date == action.due_date:
        raise ValidationError({"due_date": "The new due date is the same as the current one"})
    moved = lifecycle.move_due_date(action, due_date=due_date, why="Due date corrected")
    save_tracked(action, actor=actor, reason=with_confirmation(f"{moved}: {reason}", confirmed))
    _tell(
        Notice.Kind.ACTION_CHANGED,
        action,
        actor,
        f"{actor} corrected the due date of {_named(action)} to {date_format(due_date)}",
    )
    return action


# Agency work: progress, evidence, submission ----------------------------------


@transaction.atomic
def progress_post(*, actor: User, action: Action, text: str, confirmed=()) -> ProgressUpdate:
    action = _locked(action)
    lifecycle.check(action, "progress")
    update = ProgressUpdate(
        action=action, author=actor, text=_require_text(text, "Enter the progress update")
    )
    save_tracked(
        update, actor=actor, reason=with_confirmation(lifecycle.PROGRESS_POSTED, confirmed)
    )
    _start(action, actor=actor, by="progress posted")
    _tell(
        Notice.Kind.PROGRESS_POSTED, action, actor, f"{actor} posted progress on {_named(action)}"
    )
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
    lifecycle.check(action, "evidence")
    description = _require_text(description, "Describe what the files show")
    if not uploads:
        raise ValidationError("Choose at least one file to upload", code="required")
    inspected: list[InspectedUpload] = [inspect_upload(upload) for upload in uploads]
    stored = store_files(
        uploads,
        inspected,
        lambda facts: Evidence(
            action=action,
            original_name=facts.display_name,
            description=description,
            content_type=facts.content_type,
            size=facts.size,
            sha256=facts.sha256,
            uploaded_by=actor,
        ),
        lambda evidence: save_tracked(evidence, actor=actor, reason=lifecycle.EVIDENCE_UPLOADED),
    )
    try:
        _start(action, actor=actor, by="evidence uploaded")
        files = f"{len(stored)} evidence file{'s' if len(stored) != 1 else ''}"
        _tell(
            Notice.Kind.EVIDENCE_ADDED, action, actor, f"{actor} added {files} to {_named(action)}"
        )
    except BaseException:
        remove_stored_files(stored)
        raise
    return stored


@transaction.atomic
def evidence_withdraw(*, actor: User, evidence: Evidence, reason: str) -> Evidence:
    """Mark evidence withdrawn. The file and its row stay, shown as withdrawn."""
    action = _locked(evidence.action)
    lifecycle.check(action, "withdraw_evidence")
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
def action_submit(
    *, actor: User, action: Action, completion_statement: str, confirmed=()
) -> Action:
    action = _locked(action)
    lifecycle.check(action, "submit")
    statement = _require_text(completion_statement, "Enter a completion statement")
    if not action.evidence.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError(
            "Upload at least one evidence file before submitting for sign-off.", code="no_evidence"
        )
    reason = lifecycle.submit(action, now=timezone.now(), statement=statement)
    save_tracked(action, actor=actor, reason=with_confirmation(reason, confirmed))
    _tell(Notice.Kind.SUBMITTED, action, actor, f"{actor} submitted {_named(action)} for sign-off")
    return action


# Extensions --------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, actor: User, action: Action, requested_due_date: datetime.date, reason: str, confirmed=()
) -> ExtensionRequest:
    action = _locked(action)
    lifecycle.check(action, "extension")
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
        extension, actor=actor, reason=with_confirmation(lifecycle.EXTENSION_REQUESTED, confirmed)
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
    return save_tracked(extension, actor=actor, reason=lifecycle.extension_decided(status.label))


@transaction.atomic
def extension_grant(
    *, actor: User, extension: ExtensionRequest, comment: str = ""
) -> ExtensionRequest:
    action = _locked(extension.action)
    lifecycle.check(action, "grant_extension")
    extension = _decide_extension(
        extension, actor=actor, status=ExtensionRequest.Status.GRANTED, comment=comment.strip()
    )
    due_date = extension.requested_due_date
    moved = lifecycle.move_due_date(action, due_date=due_date, why="Extension granted")
    save_tracked(action, actor=actor, reason=f"{moved}: {extension.reason}")
    _tell(
        Notice.Kind.EXTENSION_GRANTED,
        action,
        actor,
        f"{actor} granted an extension of {_named(action)}: now due {date_format(due_date)}",
        extension=extension,
    )
    return extension


@transaction.atomic
def extension_decline(
    *, actor: User, extension: ExtensionRequest, comment: str
) -> ExtensionRequest:
    action = _locked(extension.action)
    lifecycle.check(action, "decline_extension")
    comment = _require_text(comment, "Enter the reason for declining the extension")
    extension = _decide_extension(
        extension, actor=actor, status=ExtensionRequest.Status.DECLINED, comment=comment
    )
    _tell(
        Notice.Kind.EXTENSION_DECLINED,
        action,
        actor,
        f"{actor} declined the extension of {_named(action)}: it is still due "
        f"{date_format(action.due_date)}",
        extension=extension,
    )
    return extension


def _close_pending_extensions(action: Action, *, actor: User, why: str) -> None:
    """An extension request left waiting when the action closes is closed, not declined."""
    for extension in action.extension_requests.filter(status=ExtensionRequest.Status.PENDING):
        _decide_extension(
            extension, actor=actor, status=ExtensionRequest.Status.CLOSED, comment=why
        )


# Sign-off: the SILG chair ------------------------------------------------------


def _decide(action: Action, *, actor: User, outcome, comment: str) -> SignOffDecision:
    decision = SignOffDecision(action=action, outcome=outcome, comment=comment, decided_by=actor)
    return save_tracked(decision, actor=actor, reason=lifecycle.decided(outcome.label))


@transaction.atomic
def action_approve(*, actor: User, action: Action, comment: str = "") -> Action:
    action = _locked(action)
    lifecycle.check(action, "approve")
    comment = (comment or "").strip()
    reason = lifecycle.approve(action, actor=actor, now=timezone.now(), comment=comment)
    save_tracked(action, actor=actor, reason=reason)
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.APPROVED, comment=comment)
    _close_pending_extensions(
        action, actor=actor, why="Not needed: the action was signed off as completed."
    )
    _tell(Notice.Kind.APPROVED, action, actor, f"{actor} approved {_named(action)}")
    return action


@transaction.atomic
def action_return(*, actor: User, action: Action, comment: str) -> Action:
    action = _locked(action)
    lifecycle.check(action, "return")
    comment = _require_text(comment, "Enter a comment for the agency saying what is missing")
    reason = lifecycle.return_to_agency(action, now=timezone.now(), comment=comment)
    save_tracked(action, actor=actor, reason=reason)
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.RETURNED, comment=comment)
    _tell(
        Notice.Kind.RETURNED,
        action,
        actor,
        f"{actor} returned {_named(action)}: the action says what is missing",
    )
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
    lifecycle.check(action, "reopen")
    reason = _require_text(reason, "Enter the reason for reopening the action")
    history_reason = lifecycle.reopen(action, reason=reason, due_date=due_date)
    save_tracked(action, actor=actor, reason=with_confirmation(history_reason, confirmed))
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.REOPENED, comment=reason)
    reopened = review_services.recommendation_reopen(
        actor=actor, recommendation=action.recommendation, because=action
    )
    _tell(
        Notice.Kind.REOPENED,
        action,
        actor,
        f"{actor} reopened {_named(action)}: now due {date_format(action.due_date)}",
    )
    return action, reopened


@transaction.atomic
def action_supersede(*, actor: User, action: Action, reason: str) -> Action:
    action = _locked(action)
    lifecycle.check(action, "supersede")
    reason = _require_text(reason, "Enter the reason the action is superseded")
    save_tracked(action, actor=actor, reason=lifecycle.supersede(action, reason=reason))
    _decide(action, actor=actor, outcome=SignOffDecision.Outcome.SUPERSEDED, comment=reason)
    _close_pending_extensions(action, actor=actor, why="Not needed: the action was superseded.")
    _tell(
        Notice.Kind.SUPERSEDED,
        action,
        actor,
        f"{actor} marked {_named(action)} superseded: no more work is needed on it",
    )
    return action


def _named(action: Action) -> str:
    """An action as a notice names it: its title, review and recommendation number."""
    return (
        f"“{action.title}” ({action.recommendation.review.title}, "
        f"recommendation {action.recommendation.number})"
    )


def _tell(kind, action: Action, actor: User, text: str, **about) -> None:
    """Tell those the decision affects (actions.notices), by email once it commits; a
    change that is not a decision is only shown."""
    notices.tell(kind, actor=actor, text=text, action=action, **about)
    if kind not in notices.SHOWN_ONLY:
        tasks.deliver_after_commit()


def notices_read(*, user: User, notices) -> int:
    """Mark the person's notices read, as they open them; how many were unread."""
    unread = Notice.objects.filter(
        pk__in=[notice.pk for notice in notices], recipient=user, read_at__isnull=True
    )
    return unread.update(read_at=timezone.now())
