"""
Reminders: which are due, to whom, and delivering each exactly once.

`sweep` is the one entry point, used by the Celery task and by
`manage.py send_reminders`:

1. Plan: apply the policy of design.md to the open actions whose due dates make
   a reminder due on the day, and to the SILG chair's queue, and resolve each
   to its recipients. A bounded number of queries, whatever the number of actions.
2. Record: insert a row per (recipient, action, kind, day) into the outbox. The
   unique constraint drops rows that already exist, so running the sweep again
   the same day records nothing new.
3. Deliver: for each recipient with rows waiting, claim them with a conditional
   update that only one worker can win, send one digest, mark them sent. A send
   that fails leaves its rows `failed` for the next run; a worker that dies
   mid-send leaves its rows `sending`, and once the claim times out the next run
   sends them again: the one email in flight is the most that can repeat.
"""

import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from actions.models import Action, ExtensionRequest, Reminder
from sscp import emails, roles
from sscp.models import User

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
MONDAY = 0
AGENCY_STATUSES = (Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS)
BATCH_SIZE = 1000


class Audience(StrEnum):
    OWNERS = "owners"  # the owner, or every lead of the owning agency
    PARTNERSHIP = "partnership"
    CHAIR = "chair"


class Frequency(StrEnum):
    ANY = "any"  # never held back
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class Due:
    """A reminder the policy says is due: what kind, to whom, for which digest frequency."""

    kind: str
    audience: Audience
    frequency: Frequency = Frequency.ANY


# 1. Policy -------------------------------------------------------------------


def reminders_for(*, due_date: datetime.date, today: datetime.date, status: str) -> set[Due]:
    """The reminders due on `today` for an action with this due date and status. Pure.

    Upcoming work: daily-digest readers hear 14 and 3 days before (settings); weekly
    readers hear on Mondays of everything due within the longest of those. Due
    today, overdue (the day after, then every 7 days) and escalations (from 28 days
    to the partnership team, from 56 to the SILG chair) always go the same day.
    Nothing is due once an action is submitted, completed or superseded.
    """
    if status not in AGENCY_STATUSES:
        return set()
    days_left = (due_date - today).days
    if days_left > 0:
        due = set()
        if days_left in settings.REMINDER_UPCOMING_DAYS:
            due.add(Due(Kind.UPCOMING, Audience.OWNERS, Frequency.DAILY))
        if today.weekday() == MONDAY and days_left <= max(settings.REMINDER_UPCOMING_DAYS):
            due.add(Due(Kind.UPCOMING, Audience.OWNERS, Frequency.WEEKLY))
        return due
    if days_left == 0:
        return {Due(Kind.DUE_TODAY, Audience.OWNERS)}
    days_overdue = -days_left
    if (days_overdue - 1) % settings.REMINDER_OVERDUE_EVERY_DAYS:
        return set()
    due = {Due(Kind.OVERDUE, Audience.OWNERS)}
    if days_overdue >= settings.REMINDER_ESCALATE_TO_PARTNERSHIP_DAYS:
        due.add(Due(Kind.ESCALATION, Audience.PARTNERSHIP))
    if days_overdue >= settings.REMINDER_ESCALATE_TO_CHAIR_DAYS:
        due.add(Due(Kind.ESCALATION, Audience.CHAIR))
    return due


def chair_queue_frequency(today: datetime.date) -> Frequency:
    """Decisions awaited by the SILG chair: daily readers every day, weekly on Mondays."""
    return Frequency.ANY if today.weekday() == MONDAY else Frequency.DAILY


def dates_with_reminders(today: datetime.date) -> list[datetime.date]:
    """Every due date that makes a due-date reminder due on `today` (for one indexed query)."""
    ahead = set(settings.REMINDER_UPCOMING_DAYS) | {0}
    if today.weekday() == MONDAY:
        ahead |= set(range(1, max(settings.REMINDER_UPCOMING_DAYS) + 1))
    behind = range(
        1, settings.REMINDER_OVERDUE_HORIZON_DAYS + 1, settings.REMINDER_OVERDUE_EVERY_DAYS
    )
    return sorted(
        [today + datetime.timedelta(days=d) for d in ahead]
        + [today - datetime.timedelta(days=d) for d in behind]
    )


# Recipients ------------------------------------------------------------------


@dataclass
class People:
    """Everyone who can receive reminders for a set of agencies, loaded in two queries."""

    leads_by_agency: dict[int, list[User]]
    partnership: list[User]
    chairs: list[User]

    @classmethod
    def load(cls, agency_ids) -> "People":
        emailable = User.objects.filter(is_active=True).exclude(email="")
        leads = defaultdict(list)
        for lead in emailable.filter(agency_id__in=agency_ids, groups__name=roles.AGENCY_LEAD):
            leads[lead.agency_id].append(lead)
        partnership, chairs = [], []
        staff = emailable.filter(groups__name__in=[roles.PARTNERSHIP_TEAM, roles.SILG_CHAIR])
        for user in staff.distinct().prefetch_related("groups"):
            if roles.PARTNERSHIP_TEAM in user.role_names:
                partnership.append(user)
            if roles.SILG_CHAIR in user.role_names:
                chairs.append(user)
        return cls(leads, partnership, chairs)

    def owners_of(self, action: Action) -> list[User]:
        """The owner when set and reachable by email, else every such lead of the agency."""
        owner = action.owner
        if owner is not None and owner.can_receive_email and owner.agency_id == action.agency_id:
            return [owner]
        return self.leads_by_agency.get(action.agency_id, [])

    def audience(self, action: Action, audience: Audience) -> list[User]:
        if audience == Audience.OWNERS:
            return self.owners_of(action)
        return self.partnership if audience == Audience.PARTNERSHIP else self.chairs


def _wants(user: User, frequency: Frequency) -> bool:
    return frequency == Frequency.ANY or user.reminder_frequency == frequency


# 2. Plan and record ----------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    recipient: User
    action: Action
    kind: str


def plan(day: datetime.date) -> list[Planned]:
    """Every reminder due on `day`, resolved to recipients. Queries do not grow with actions."""
    actions = list(
        Action.objects.filter(status__in=AGENCY_STATUSES, due_date__in=dates_with_reminders(day))
        .select_related("owner", "agency", "recommendation__review")
        .order_by("pk")
    )
    awaiting_sign_off = list(
        Action.objects.filter(status=Action.Status.SUBMITTED)
        .select_related("agency", "recommendation__review")
        .order_by("pk")
    )
    awaiting_extension = list(
        Action.objects.filter(extension_requests__status=ExtensionRequest.Status.PENDING)
        .select_related("agency", "recommendation__review")
        .distinct()
        .order_by("pk")
    )
    people = People.load({action.agency_id for action in actions})
    planned = []
    for action in actions:
        for due in reminders_for(due_date=action.due_date, today=day, status=action.status):
            planned += [
                Planned(user, action, due.kind)
                for user in people.audience(action, due.audience)
                if _wants(user, due.frequency)
            ]
    frequency = chair_queue_frequency(day)
    for kind, queue in [
        (Kind.AWAITING_SIGN_OFF, awaiting_sign_off),
        (Kind.AWAITING_EXTENSION, awaiting_extension),
    ]:
        planned += [
            Planned(chair, action, kind)
            for action in queue
            for chair in people.chairs
            if _wants(chair, frequency)
        ]
    return list(dict.fromkeys(planned))


def record(planned: list[Planned], day: datetime.date) -> int:
    """Add the planned reminders to the outbox; those already there are left alone."""
    before = Reminder.objects.filter(reminder_date=day).count()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient=p.recipient,
                action=p.action,
                kind=p.kind,
                reminder_date=day,
                due_date=p.action.due_date,
            )
            for p in planned
        ],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    return Reminder.objects.filter(reminder_date=day).count() - before


def notify_returned(action: Action) -> None:
    """The SILG chair returned the action: tell its owners today, through the outbox."""
    people = People.load([action.agency_id])
    day = timezone.localdate()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient=user,
                action=action,
                kind=Kind.RETURNED,
                reminder_date=day,
                due_date=action.due_date,
            )
            for user in people.owners_of(action)
        ],
        ignore_conflicts=True,
    )


# 3. Deliver ------------------------------------------------------------------


@dataclass
class SweepResult:
    day: datetime.date | None = None
    recorded: int = 0
    emails: int = 0
    recipients: set = field(default_factory=set)
    actions: set = field(default_factory=set)
    failed_recipients: list = field(default_factory=list)
    cancelled: int = 0

    def summary(self) -> str:
        recipients, actions = len(self.recipients), len(self.actions)
        return (
            f"sent {self.emails} email{pluralize(self.emails)} to "
            f"{recipients} recipient{pluralize(recipients)} covering "
            f"{actions} action{pluralize(actions)}"
        )


def _claimable(now: datetime.datetime) -> Q:
    stale = now - datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES)
    return Q(status__in=Reminder.CLAIMABLE) | Q(status=Status.SENDING, claimed_at__lt=stale)


def still_due(reminder: Reminder, people: People) -> bool:
    """Whether a reminder in the outbox should still go: the action may have moved on."""
    action = reminder.action
    recipient = reminder.recipient
    if not recipient.can_receive_email:
        return False
    match reminder.kind:
        case Kind.AWAITING_SIGN_OFF:
            return action.status == Action.Status.SUBMITTED and recipient in people.chairs
        case Kind.AWAITING_EXTENSION:
            return recipient in people.chairs and any(
                e.status == ExtensionRequest.Status.PENDING for e in action.extension_requests.all()
            )
        case Kind.RETURNED:
            return action.returned_at is not None and recipient in people.owners_of(action)
        case Kind.ESCALATION:
            allowed = people.partnership + people.chairs
        case _:
            allowed = people.owners_of(action)
    return (
        action.status in AGENCY_STATUSES
        and action.due_date == reminder.due_date
        and recipient in allowed
    )


def _claim(recipient_id: int, now: datetime.datetime) -> uuid.UUID | None:
    """Claim a recipient's waiting rows. The conditional update is the lock: one winner."""
    token = uuid.uuid4()
    claimed = Reminder.objects.filter(_claimable(now), recipient_id=recipient_id).update(
        status=Status.SENDING, claimed_at=now, claim_token=token
    )
    return token if claimed else None


def deliver(
    *, now: datetime.datetime | None = None, result: SweepResult | None = None
) -> SweepResult:
    """Send one digest per recipient with reminders waiting in the outbox."""
    now = now or timezone.now()
    result = result or SweepResult()
    waiting = Reminder.objects.filter(_claimable(now))
    recipient_ids = (
        waiting.values_list("recipient_id", flat=True).distinct().order_by("recipient_id")
    )
    recipient_ids = list(recipient_ids)
    if not recipient_ids:
        return result
    people = People.load(set(waiting.values_list("action__agency_id", flat=True).distinct()))
    for recipient_id in recipient_ids:
        _deliver_to(recipient_id, now, people, result)
    return result


def _deliver_to(recipient_id: int, now: datetime.datetime, people: People, result: SweepResult):
    token = _claim(recipient_id, now)
    if token is None:
        return  # another worker claimed them first
    claimed = Reminder.objects.filter(claim_token=token, status=Status.SENDING)
    recipient = User.objects.get(pk=recipient_id)
    pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
    reminders = list(
        claimed.select_related("action__recommendation__review", "action__owner")
        .prefetch_related(Prefetch("action__extension_requests", queryset=pending))
        .order_by("pk")
    )
    for reminder in reminders:
        reminder.recipient = recipient  # one person's rows: one User, not one per row
    current = [r for r in reminders if still_due(r, people)]
    current_ids = {r.pk for r in current}
    stale_ids = [r.pk for r in reminders if r.pk not in current_ids]
    if stale_ids:
        result.cancelled += Reminder.objects.filter(pk__in=stale_ids).update(
            status=Status.CANCELLED
        )
    if not current:
        return
    try:
        emails.reminder_digest(recipient, current).send()
    except Exception as error:  # any mail failure: record it, keep going with the others
        logger.warning("Reminder digest to %s failed: %s", recipient, error, exc_info=True)
        claimed.update(
            status=Status.FAILED, attempts=F("attempts") + 1, last_error=str(error)[:2000]
        )
        result.failed_recipients.append(recipient)
        return
    claimed.update(
        status=Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    result.emails += 1
    result.recipients.add(recipient.pk)
    result.actions.update(r.action_id for r in current)


def sweep(*, day: datetime.date | None = None) -> SweepResult:
    """Plan and record the reminders due on `day` (default: today), then deliver the outbox."""
    day = day or timezone.localdate()
    with transaction.atomic():
        recorded = record(plan(day), day)
    result = SweepResult(day=day, recorded=recorded)
    return deliver(result=result)
