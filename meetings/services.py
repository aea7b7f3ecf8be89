"""Every change to SILG meetings, each with who and why on the record
(docs/architecture.md, "SILG meetings").

A meeting's agenda is assembled from what awaits the SILG chair (meetings.selectors
`awaiting_the_chair`) and can be refreshed, reordered and pruned by the partnership team
until its pack is issued: from then on it is what the meeting saw, and never changes. The
minutes, once confirmed, never change either.
"""

import datetime
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from audits.history import save_tracked
from meetings import pack, selectors
from meetings.models import AgendaItem, Meeting, MeetingPack, MinuteEntry
from sscp import scope as scopes
from sscp.models import Partnership, User

logger = logging.getLogger(__name__)

MEETING_ARRANGED = "SILG meeting arranged"
ITEM_ADDED = "Added to the agenda: it awaits the SILG chair"
ITEM_MOVED = "Agenda reordered"
ITEM_REMOVED = "Removed from the agenda"
ITEM_WITHDRAWN = "Removed from the agenda: withdrawn as logged in error"
PACK_ISSUED = "Meeting pack issued"
MINUTES_CONFIRMED = "Minutes confirmed"
NO_DECISION = "No decision recorded: carried forward"
FROZEN = "The pack has been issued, so the agenda can no longer be changed"


def meeting_title(date: datetime.date) -> str:
    return f"SILG meeting, {date_format(date, 'j F Y')}"


@transaction.atomic
def meeting_create(*, actor: User, partnership: Partnership, date: datetime.date | None) -> Meeting:
    """Arrange a SILG meeting of `partnership` on `date` (today or later; one a day), its
    agenda filled with everything awaiting the SILG chair in the partnership now."""
    if date is None:
        raise ValidationError({"date": "Enter the date of the meeting"})
    if date < timezone.localdate():
        raise ValidationError({"date": "The date of the meeting must be today or in the future"})
    if Meeting.objects.filter(partnership=partnership, date=date).exists():
        raise ValidationError(
            {"date": f"There is already a SILG meeting on {date_format(date, 'j F Y')}"}
        )
    meeting = Meeting(
        partnership=partnership, date=date, title=meeting_title(date), created_by=actor
    )
    try:
        with transaction.atomic():
            save_tracked(meeting, actor=actor, reason=MEETING_ARRANGED)
    except IntegrityError as error:  # arranged at the same moment by someone else
        raise ValidationError(
            {"date": f"There is already a SILG meeting on {date_format(date, 'j F Y')}"}
        ) from error
    _add_waiting(meeting, actor)
    return meeting


def _locked(meeting: Meeting) -> Meeting:
    """The meeting, locked until the transaction ends: changes to one agenda, one at a time."""
    return Meeting.objects.select_for_update().select_related("partnership").get(pk=meeting.pk)


def _refuse_if_frozen(meeting: Meeting) -> None:
    if MeetingPack.objects.filter(meeting=meeting).exists():
        raise ValidationError(FROZEN)


def _add_waiting(meeting: Meeting, actor: User) -> list[AgendaItem]:
    """Add to the end of the agenda what awaits the SILG chair and is not on it yet."""
    within = scopes.Scope.of([meeting.partnership], current=meeting.partnership)
    on_it = {item.record_key for item in meeting.items.all()}
    last = max((item.position for item in meeting.items.all()), default=0)
    added = []
    for waiting in selectors.awaiting_the_chair(within, timezone.localdate()):
        if waiting.key in on_it:
            continue
        on_it.add(waiting.key)
        last += 1
        item = AgendaItem(
            meeting=meeting,
            partnership_id=meeting.partnership_id,
            position=last,
            kind=waiting.kind,
            title=waiting.title,
            stage=waiting.stage,
            added_by=actor,
            **{waiting.field: waiting.record},
        )
        added.append(save_tracked(item, actor=actor, reason=ITEM_ADDED))
    return added


@transaction.atomic
def agenda_refresh(*, actor: User, meeting: Meeting) -> list[AgendaItem]:
    """Add what has come to await the SILG chair since the agenda was assembled, after what
    is on it: nothing twice. Refused once the pack is issued."""
    meeting = _locked(meeting)
    _refuse_if_frozen(meeting)
    _drop_withdrawn(meeting, actor)
    return _add_waiting(meeting, actor)


def _drop_withdrawn(meeting: Meeting, actor: User) -> None:
    """Take off the agenda what was withdrawn as logged in error since it was put on it."""
    for item in meeting.items.all():
        if item.is_withdrawn:
            item._history_user, item._change_reason = actor, ITEM_WITHDRAWN
            item.delete()


def _item_of(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    found = meeting.items.filter(pk=item.pk).first()
    if found is None:
        raise ValidationError({"item": "Choose an item on this meeting's agenda"})
    return found


@transaction.atomic
def agenda_item_move(*, actor: User, meeting: Meeting, item: AgendaItem, up: bool) -> AgendaItem:
    """Move an item one place up (earlier) or down the agenda, swapping it with its
    neighbour. Refused once the pack is issued."""
    meeting = _locked(meeting)
    _refuse_if_frozen(meeting)
    item = _item_of(meeting, item)
    items = list(meeting.items.order_by("position", "pk"))
    index = items.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        raise ValidationError(f"“{item.title}” is already {'first' if up else 'last'}")
    items[index], items[other] = items[other], items[index]
    # Numbered afresh from 1, closing any gaps that removed items left.
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            save_tracked(each, actor=actor, reason=ITEM_MOVED)
    return items[other]


@transaction.atomic
def agenda_item_remove(*, actor: User, meeting: Meeting, item: AgendaItem) -> AgendaItem:
    """Take an item off the agenda (its deletion on the record). Refused once the pack is
    issued. "Refresh the agenda" adds it again if it still awaits the SILG chair."""
    meeting = _locked(meeting)
    _refuse_if_frozen(meeting)
    item = _item_of(meeting, item)
    item._history_user, item._change_reason = actor, ITEM_REMOVED
    item.delete()
    return item


@transaction.atomic
def meeting_pack_issue(*, actor: User, meeting: Meeting) -> MeetingPack:
    """Issue the meeting's pack: draw it as a PDF once, keep that file as issued, with its
    SHA-256, so that what the meeting saw can be proved later; the agenda is frozen.

    1. Lock the meeting; refuse if a pack is already issued, or the agenda is empty.
    2. Draw the PDF, fingerprint its bytes, store them (a random name, the evidence storage).
    3. Save the pack's row; if that fails, the file written is removed.
    """
    meeting = _locked(meeting)
    if MeetingPack.objects.filter(meeting=meeting).exists():
        raise ValidationError("The pack has already been issued")
    _drop_withdrawn(meeting, actor)
    if not meeting.items.exists():
        raise ValidationError("Add something to the agenda before issuing the pack")
    issued_at = timezone.now()
    document = pack.render(meeting, issued_by=actor, issued_at=issued_at)
    issued = MeetingPack(
        meeting=meeting,
        partnership_id=meeting.partnership_id,
        original_name=pack.file_name(meeting),
        content_type="application/pdf",
        size=len(document),
        sha256=hashlib.sha256(document).hexdigest(),
        issued_by=actor,
        issued_at=issued_at,
    )
    issued.file.save(issued.original_name, ContentFile(document), save=False)
    try:
        return save_tracked(issued, actor=actor, reason=PACK_ISSUED)
    except BaseException:
        _remove_file(issued)
        raise


def _remove_file(issued: MeetingPack) -> None:
    try:
        issued.file.storage.delete(issued.file.name)
    except Exception:
        logger.exception("Could not remove %s after a failed issue", issued.file.name)


@transaction.atomic
def minutes_confirm(*, actor: User, meeting: Meeting) -> list[MinuteEntry]:
    """Confirm the minutes of a meeting held: for each agenda item, in the agenda's order,
    the decisions taken on its record from the day of the meeting until now, or "No
    decision recorded" (carried forward). Once confirmed they never change.

    1. Lock the meeting; refuse before the day of the meeting, before its pack is issued,
       and once the minutes are confirmed.
    2. One entry a decision, each with who decided and when; one for an item with none.
    """
    meeting = _locked(meeting)
    if meeting.minutes_confirmed_at is not None:
        raise ValidationError("The minutes have already been confirmed")
    if not MeetingPack.objects.filter(meeting=meeting).exists():
        raise ValidationError("Issue the pack before confirming the minutes")
    if meeting.date > timezone.localdate():
        raise ValidationError(
            "The minutes can be confirmed on or after the day of the meeting, "
            f"{date_format(meeting.date, 'j F Y')}"
        )
    now = timezone.now()
    since = selectors.start_of(meeting.date)
    entries, position = [], 0
    for item in meeting.items.order_by("position", "pk"):
        decisions = selectors.decisions_on(item, since, now)
        for decision in decisions or [None]:
            position += 1
            entries.append(_entry(meeting, item, position, decision, actor))
    meeting.minutes_confirmed_at, meeting.minutes_confirmed_by = now, actor
    save_tracked(meeting, actor=actor, reason=MINUTES_CONFIRMED)
    return entries


def _entry(meeting, item, position, decision, actor) -> MinuteEntry:
    entry = MinuteEntry(
        meeting=meeting,
        partnership_id=meeting.partnership_id,
        item=item,
        position=position,
        item_title=item.title,
        decision=decision.text if decision else NO_DECISION,
        decided_by=decision.by if decision else None,
        decided_at=decision.at if decision else None,
        carried_forward=decision is None,
    )
    return save_tracked(entry, actor=actor, reason=MINUTES_CONFIRMED)
