"""
Reminders: which are due, to whom, and delivering each exactly once.

`sweep` is the one entry point, used by the Celery task and by
`manage.py send_reminders`:

1. Plan: apply the reminder policy (docs/architecture.md, "Reminders") to the open
   actions whose due dates make a reminder due on the day, to the SILG chair's
   queue, and to the reviews following their statutory journey (reviews.journey)
   whose stages or progress checks make one due, and resolve each to its
   recipients. A bounded number of queries, whatever the number of actions and
   reviews.
2. Record: insert a row per (recipient, action, kind, day), or (recipient, review,
   stage, kind, day), into the outbox. The unique constraints drop rows that already
   exist, so running the sweep again the same day records nothing new.
3. Deliver: for each recipient with rows waiting, claim them with a conditional
   update that only one worker can win (sscp.outbox: stamped with the time of the
   claim), build one digest, confirm the claim is still this worker's, send it,
   mark the rows sent. Deliveries that overlap share the work and never send a
   digest twice. A send that fails (refused, or the server stops answering for
   EMAIL_TIMEOUT) leaves its rows `failed` for the next run; a worker that dies
   mid-send leaves its rows `sending`, and once the claim times out the next run
   sends them again: the one email in flight is the most that can repeat.
"""

import datetime
import functools
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from typing import NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from actions import lifecycle, notices
from actions.models import Action, ExtensionRequest, Reminder
from actions.recipients import About, Audience, People
from reviews import journey
from reviews.models import ImpactCheck, ProgressCheck, Recommendation, Review
from sscp import database, emails
from sscp import outbox as claims
from sscp.models import Membership, User
from sscp.scope import Scope
from sscp.working_days import WorkingDays

logger = logging.getLogger(__name__)

Kind = Reminder.Kind
Status = Reminder.Status
MONDAY = 0
PROGRESS_CHECK = Reminder.PROGRESS_CHECK
IMPACT_CHECK = "impact_check_"  # and the recommendation's number: its "stage" of the review


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


class Owed(NamedTuple):
    """What deciding whether a reminder is owed needs to know of its action or review."""

    status: str | None  # the action's; None for a review
    due_date: datetime.date  # the action's or the stage's due date when the reminder was made
    action_due_date: datetime.date | None  # the action's due date now
    returned_at: datetime.datetime | None = None
    extension_pending: bool = False
    # A review's stage (or progress check) while still open: its due date now (`deadlines`).
    deadline_now: datetime.date | None = None


def _about_the_due_date(owed: Owed) -> bool:
    """A due-date reminder is owed while the agency still works on the action, to the
    due date it was made for."""
    return owed.status in lifecycle.AGENCY_WORKS_ON and owed.action_due_date == owed.due_date


def _about_the_deadline(owed: Owed) -> bool:
    """A reminder about a review's stage (or progress check) is owed while the stage is
    not done and its due date is still the one it was made for: recording the stage, a
    progress check or a date the deadline is counted from ends it."""
    return owed.deadline_now is not None and owed.deadline_now == owed.due_date


@dataclass(frozen=True)
class KindRule:
    """Who may receive a kind of reminder, and whether one is still owed."""

    audiences: tuple[Audience, ...]
    owed: Callable[[Owed], bool]


# One rule per kind, asked when the sweep plans a reminder and again when it delivers it.
RULES = {
    Kind.UPCOMING: KindRule((Audience.OWNERS,), _about_the_due_date),
    Kind.DUE_TODAY: KindRule((Audience.OWNERS,), _about_the_due_date),
    Kind.OVERDUE: KindRule((Audience.OWNERS,), _about_the_due_date),
    Kind.ESCALATION: KindRule((Audience.PARTNERSHIP, Audience.CHAIR), _about_the_due_date),
    Kind.RETURNED: KindRule((Audience.OWNERS,), lambda owed: owed.returned_at is not None),
    Kind.AWAITING_SIGN_OFF: KindRule(
        (Audience.CHAIR,), lambda owed: owed.status == Action.Status.SUBMITTED
    ),
    Kind.AWAITING_EXTENSION: KindRule((Audience.CHAIR,), lambda owed: owed.extension_pending),
    Kind.STAGE_UPCOMING: KindRule((Audience.PARTNERSHIP, Audience.CHAIR), _about_the_deadline),
    Kind.STAGE_DUE_TODAY: KindRule((Audience.PARTNERSHIP, Audience.CHAIR), _about_the_deadline),
    Kind.STAGE_OVERDUE: KindRule((Audience.PARTNERSHIP, Audience.CHAIR), _about_the_deadline),
    Kind.PROGRESS_CHECK_DUE: KindRule((Audience.PARTNERSHIP, Audience.CHAIR), _about_the_deadline),
    Kind.IMPACT_CHECK_DUE: KindRule((Audience.PARTNERSHIP,), _about_the_deadline),
}


def rule(kind: str) -> KindRule:
    """The rule of a kind of reminder. A kind without one is a mistake, not a default."""
    try:
        return RULES[kind]
    except KeyError:
        raise ValueError(f"There is no rule for reminders of kind {kind!r}") from None


# 1. Policy -------------------------------------------------------------------


def reminders_for(*, due_date: datetime.date, today: datetime.date, status: str) -> set[Due]:
    """The reminders due on `today` for an action with this due date and status. Pure.

    Upcoming work: daily-digest readers hear 14 and 3 days before (settings); weekly
    readers hear on Mondays of everything due within the longest of those. Due
    today, overdue (the day after, then every 7 days) and escalations (from 28 days
    to the partnership team, from 56 to the SILG chair) always go the same day.
    Nothing is due once an action is submitted, completed or superseded.
    """
    if not _about_the_due_date(Owed(status, due_date, due_date)):
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


def review_reminder_kind(
    stage: str, due: datetime.date, today: datetime.date, days: WorkingDays
) -> str | None:
    """The reminder a review's open stage (or its progress check) due on `due` makes due
    on `today`, counted in the review's partnership's working days. Pure.

    Only on working days. A stage: STAGE_REMINDER_WORKING_DAYS before (5 and 1), on the
    day, the first working day after, then every REMINDER_OVERDUE_EVERY_DAYS working
    days. A progress check, or a closed recommendation's impact check: on the day, then
    as often while none is recorded.
    """
    if not days.is_working_day(today):
        return None
    left = days.between(today, due)
    every = settings.REMINDER_OVERDUE_EVERY_DAYS
    if stage == PROGRESS_CHECK:
        return Kind.PROGRESS_CHECK_DUE if left <= 0 and -left % every == 0 else None
    if stage.startswith(IMPACT_CHECK):
        return Kind.IMPACT_CHECK_DUE if left <= 0 and -left % every == 0 else None
    if left > 0:
        return Kind.STAGE_UPCOMING if left in settings.STAGE_REMINDER_WORKING_DAYS else None
    if left == 0:
        return Kind.STAGE_DUE_TODAY
    return Kind.STAGE_OVERDUE if (-left - 1) % every == 0 else None


def deadlines(
    review: Review,
    days: WorkingDays,
    last_check: datetime.date | None,
    today: datetime.date,
    impact_checks: dict[int, datetime.date] | None = None,
) -> dict[str, datetime.date]:
    """What reminders about `review` are for: the due date of each of its stages still open
    (reviews.journey), of its next progress check (on a working day) while a local review
    is in progress, and of each impact check due of its closed recommendations (number →
    date). Planning and delivery both ask this."""
    due = {}
    if review.follows_journey:
        due = {
            state.stage.key: state.deadline
            for state in journey.journey(review, days, today)
            if state.is_open and state.deadline  # publication: an earliest date, no deadline
        }
    check = journey.progress_check_due(review, last_check)
    if check is not None:
        due[PROGRESS_CHECK] = days.on_or_after(check)
    for number, check_on in (impact_checks or {}).items():
        due[f"{IMPACT_CHECK}{number}"] = days.on_or_after(check_on)
    return due


def stage_label(stage: str) -> str:
    if stage == PROGRESS_CHECK:
        return "Progress check of the local review"
    if stage.startswith(IMPACT_CHECK):
        return f"Impact check of recommendation {stage.removeprefix(IMPACT_CHECK)}"
    return journey.BY_KEY[stage].label


# What reviews.journey reads of a review to count its deadlines: every date of the journey
# and the decision (whether a local review is held); never its free text.
JOURNEY_FIELDS = (
    "became_aware_on",
    "notified_on",
    "rapid_review_started_on",
    "rapid_review_completed_on",
    "rapid_review_sent_on",
    "decision",
    "decided_on",
    "panel_response_on",
    "local_review_commissioned_on",
    "local_review_completed_on",
    "final_report_received_on",
    "final_report_sent_on",
    "published_on",
)
REVIEW_FIELDS = ("pk", "partnership_id", *JOURNEY_FIELDS)


def impact_checks_due(day: datetime.date):
    """Closed recommendations not yet embedded whose impact check falls due by `day`, with
    none awaiting the SILG chair."""
    awaiting = ImpactCheck.objects.filter(recommendation=OuterRef("pk"), outcome="")
    return Recommendation.objects.filter(
        closed_at__isnull=False, embedded_at__isnull=True, impact_check_due_on__lte=day
    ).exclude(Exists(awaiting))


def journey_reviews(reviews=None, day: datetime.date | None = None) -> list[Review]:
    """The reviews following a statutory journey not yet over (published, or closed by a
    decision to hold no local review), and with `day` those of any kind with an impact
    check due, with only what the journey reads: one query."""
    if reviews is None:
        on_a_journey = Q(became_aware_on__isnull=False, published_on__isnull=True) & ~Q(
            decision=Review.Decision.NO_LOCAL_REVIEW
        )
        if day is not None:
            on_a_journey |= Exists(impact_checks_due(day).filter(review=OuterRef("pk")))
        reviews = Review.objects.filter(on_a_journey)
    rows = reviews.order_by("pk").values_list(*REVIEW_FIELDS)
    return [Review(**dict(zip(REVIEW_FIELDS, row, strict=True))) for row in rows]


@dataclass
class Journeys:
    """What reviews' deadlines are counted with: each partnership's working days (its
    closure days) and each review's last progress check. Read for many reviews at once,
    in two queries at most, and kept."""

    days: dict[int, WorkingDays] = field(default_factory=dict)  # partnership → its days
    last_checks: dict[int, datetime.date] = field(default_factory=dict)  # review → last check
    # review → the impact checks due of its closed recommendations (number → date)
    impact_checks: dict[int, dict[int, datetime.date]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    known: set[int] = field(default_factory=set)  # reviews read (with a check or none)

    def read(self, reviews: list[Review]) -> "Journeys":
        """Read what is not known yet of these reviews."""
        new = [review for review in reviews if review.pk not in self.known]
        # Only a local review in progress is checked: it alone has a next check due.
        checked = [r.pk for r in new if journey.progress_check_due(r, None) is not None]
        if checked:
            self.last_checks |= dict(
                ProgressCheck.objects.filter(review_id__in=checked)
                .values("review_id")
                .annotate(last=Max("checked_on"))
                .order_by()
                .values_list("review_id", "last")
            )
        if new:
            due = impact_checks_due(datetime.date.max).filter(review_id__in=[r.pk for r in new])
            for review_id, number, check_on in due.values_list(
                "review_id", "number", "impact_check_due_on"
            ):
                self.impact_checks[review_id][number] = check_on
        self.known |= {review.pk for review in new}
        partnerships = {review.partnership_id for review in new} - set(self.days)
        if partnerships:
            self.days |= WorkingDays.of_each(partnerships)
        return self

    def deadlines(self, review: Review, today: datetime.date) -> dict[str, datetime.date]:
        days = self.days[review.partnership_id]
        impact_checks = {
            number: check_on
            for number, check_on in self.impact_checks.get(review.pk, {}).items()
            if check_on <= today
        }
        return deadlines(review, days, self.last_checks.get(review.pk), today, impact_checks)


# Recipients ------------------------------------------------------------------


def _wants(user: User, frequency: Frequency) -> bool:
    return frequency == Frequency.ANY or user.reminder_frequency == frequency


# 2. Plan and record ----------------------------------------------------------


ABOUT_FIELDS = ("agency_id", "owner_id", "partnership_id", "review_id")


class Planned(NamedTuple):
    """A reminder to record: a row of the outbox, by ids."""

    recipient_id: int
    action_id: int | None
    kind: str
    due_date: datetime.date
    review_id: int | None = None  # a reminder about a review's stage instead
    stage: str = ""


def plan(day: datetime.date) -> list[Planned]:
    """Every reminder due on `day`, resolved to recipients. Queries do not grow with actions
    or reviews.

    Actions are read as plain values: a national service plans tens of thousands a day.
    """
    actions, queues = _actions_due(day)
    reviews_due = _reviews_due(day)
    partnerships = {row[5] for row in actions}
    partnerships |= {about[2] for queue in queues.values() for about, _, _ in queue}
    partnerships |= {review.partnership_id for review, *_ in reviews_due}
    people = People.load(partnerships)
    planned = _action_reminders(actions, queues, day, people)
    planned += _review_reminders(reviews_due, people)
    return list(dict.fromkeys(planned))


def _actions_due(day: datetime.date) -> tuple[list, dict]:
    """The open actions whose due dates make a reminder due on `day`, and the SILG chair's
    queues (kind → (about, action, due date)): three queries."""
    fields = ("pk", "due_date", "status", "agency_id", "owner_id", "partnership_id", "review_id")
    actions = list(
        Action.objects.filter(
            status__in=lifecycle.AGENCY_WORKS_ON, due_date__in=dates_with_reminders(day)
        )
        .order_by("pk")
        .values_list(*fields)
    )
    awaiting_sign_off = [
        (about, pk, due_date)
        for pk, due_date, status, *about in Action.objects.filter(status=Action.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "due_date", "status", *ABOUT_FIELDS)
        if rule(Kind.AWAITING_SIGN_OFF).owed(Owed(status, due_date, due_date))
    ]
    awaiting_extension = [
        (about, pk, due_date)
        for pk, due_date, *about in Action.objects.filter(
            extension_requests__status=ExtensionRequest.Status.PENDING
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", "due_date", *ABOUT_FIELDS)
    ]  # owed by their query: rule(Kind.AWAITING_EXTENSION) asks just that
    queues = {
        Kind.AWAITING_SIGN_OFF: awaiting_sign_off,
        Kind.AWAITING_EXTENSION: awaiting_extension,
    }
    return actions, queues


def _action_reminders(actions, queues: dict, day: datetime.date, people: People) -> list[Planned]:
    planned = []
    for action_id, due_date, status, *about in actions:
        about = About(*about)
        for due in reminders_for(due_date=due_date, today=day, status=status):
            planned += [
                Planned(user.pk, action_id, due.kind, due_date)
                for user in people.audience(about, due.audience)
                if _wants(user, due.frequency)
            ]
    frequency = chair_queue_frequency(day)
    for kind, queue in queues.items():
        planned += [
            Planned(chair.pk, action_id, kind, due_date)
            for about, action_id, due_date in queue
            for chair in people.audience(About(*about), Audience.CHAIR)
            if _wants(chair, frequency)
        ]
    return planned


def _reviews_due(day: datetime.date) -> list[tuple[Review, str, str, datetime.date]]:
    """(review, stage, kind, due date) of each reminder about a review's stage due on `day`:
    three queries, whatever the number of reviews (journey_reviews, Journeys.read)."""
    reviews = journey_reviews(day=day)
    journeys = Journeys().read(reviews)
    return [
        (review, stage, kind, due)
        for review in reviews
        for stage, due in journeys.deadlines(review, day).items()
        if (kind := review_reminder_kind(stage, due, day, journeys.days[review.partnership_id]))
    ]


def _review_reminders(reviews_due, people: People) -> list[Planned]:
    """The reminders about reviews' stages, to the audiences of each kind's rule. Never
    held back for a weekly digest: a statutory deadline is days away, not weeks."""
    planned = []
    for review, stage, kind, due in reviews_due:
        about = About(None, None, review.partnership_id, review.pk)
        kind_rule = rule(kind)
        if not kind_rule.owed(Owed(None, due, None, deadline_now=due)):
            continue
        planned += [
            Planned(user.pk, None, kind, due, review.pk, stage)
            for audience in kind_rule.audiences
            for user in people.audience(about, audience)
        ]
    return planned


def record(planned: list[Planned], day: datetime.date) -> int:
    """Add the planned reminders to the outbox and say how many were new.

    Rows already there (the same recipient, action or review's stage, kind and day) are
    left alone by the unique constraints: INSERT ... ON CONFLICT DO NOTHING, which counts
    what it added. bulk_create can do neither for the tens of thousands of rows a national
    sweep makes, so on PostgreSQL the rows are first copied into a temporary table.
    """
    if not planned:
        return 0
    ops = connection.ops
    table = ops.quote_name(Reminder._meta.db_table)
    insert = (
        f"INSERT INTO {table} (recipient_id, action_id, review_id, stage, kind, due_date, "
        "reminder_date, status, attempts, last_error, created_at) "
    )
    fixed = (
        ops.adapt_datefield_value(day),
        Status.PENDING.value,
        0,
        "",
        ops.adapt_datetimefield_value(timezone.now()),
    )
    rows = [
        (recipient_id, action_id, review_id, stage, str(kind), ops.adapt_datefield_value(due))
        for recipient_id, action_id, kind, due, review_id, stage in planned
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"{insert} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [row + fixed for row in rows],
            )
            return cursor.rowcount
        cursor.execute(
            "CREATE TEMPORARY TABLE planned_reminder "
            "(recipient_id bigint, action_id bigint, review_id bigint, stage text, kind text, "
            "due_date date) ON COMMIT DROP"
        )
        with cursor.copy("COPY planned_reminder FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"{insert} SELECT recipient_id, action_id, review_id, stage, kind, due_date, "  # noqa: S608 (the model's table; values are bound)
            "%s, %s, %s, %s, %s "
            "FROM planned_reminder ON CONFLICT DO NOTHING",
            fixed,
        )
        recorded = cursor.rowcount
        cursor.execute("DROP TABLE planned_reminder")
        return recorded


# 3. Deliver ------------------------------------------------------------------


class Line(NamedTuple):
    """A reminder in the outbox with what its digest line and its still-due check need:
    about an action, or about a stage of a review (its journey's dates)."""

    pk: int
    kind: str
    reminder_date: datetime.date
    due_date: datetime.date  # the action's or the stage's, when the reminder was recorded
    action_id: int | None
    status: str | None
    action_due_date: datetime.date | None
    agency_id: int | None
    owner_id: int | None
    partnership_id: int  # the action's, or the review's
    review_id: int  # the action's review, or the review the reminder is about
    returned_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    title: str | None
    recommendation_number: int | None
    review_title: str
    stage: str  # blank for an action
    # The review's journey (JOURNEY_FIELDS), for a reminder about one of its stages.
    became_aware_on: datetime.date | None
    notified_on: datetime.date | None
    rapid_review_started_on: datetime.date | None
    rapid_review_completed_on: datetime.date | None
    rapid_review_sent_on: datetime.date | None
    decision: str | None
    decided_on: datetime.date | None
    panel_response_on: datetime.date | None
    local_review_commissioned_on: datetime.date | None
    local_review_completed_on: datetime.date | None
    final_report_received_on: datetime.date | None
    final_report_sent_on: datetime.date | None
    published_on: datetime.date | None
    # What the SILG chair has been waiting on: the submission, or the extension request.
    waiting_since: datetime.datetime | None = None
    # A stage's working days left on the reminder's day (negative: how late).
    working_days_left: int | None = None

    @property
    def is_about_a_review(self) -> bool:
        return self.action_id is None

    @property
    def about(self) -> "About":
        return About(self.agency_id, self.owner_id, self.partnership_id, self.review_id)

    @property
    def deadline(self) -> datetime.date:
        return self.due_date if self.is_about_a_review else self.action_due_date

    @property
    def days_overdue(self) -> int:
        return Action.days_overdue_of(self.status, self.action_due_date, self.reminder_date)

    @property
    def days_waiting(self) -> int | None:
        if self.waiting_since is None:
            return None
        return max((self.reminder_date - timezone.localdate(self.waiting_since)).days, 0)

    def review(self) -> Review:
        """The review as its journey reads it, from the values read with the line."""
        values = {name: getattr(self, name) for name in JOURNEY_FIELDS}
        return Review(pk=self.review_id, partnership_id=self.partnership_id, **values)


LINE_FIELDS = (
    "pk",
    "kind",
    "reminder_date",
    "due_date",
    "action_id",
    "action__status",
    "action__due_date",
    "action__agency_id",
    "action__owner_id",
    Coalesce("action__partnership_id", "review__partnership_id"),
    Coalesce("action__review_id", "review_id"),
    "action__returned_at",
    "action__submitted_at",
    "action__title",
    "action__recommendation__number",
    Coalesce("action__review__title", "review__title"),
    "stage",
    *(f"review__{name}" for name in JOURNEY_FIELDS),
)

# After this many sends in a row fail because the mail server cannot be reached or stops
# answering, a delivery stops: the rest wait, untouched, for the next run a few minutes
# later, rather than each waiting EMAIL_TIMEOUT for a server that is down.
MAIL_SERVER_FAILURES_TO_STOP = 3

# A delivery claims people this many at a time: one UPDATE claims every waiting row of
# theirs and one SELECT reads what it won, where a person at a time the claim and the read
# were half of each digest's statements. Each digest is still confirmed just before it is
# sent, and marked just after, on its own.
PEOPLE_PER_CLAIM = 50


@dataclass
class SweepResult:
    day: datetime.date | None = None
    recorded: int = 0
    emails: int = 0
    recipients: set = field(default_factory=set)
    actions: set = field(default_factory=set)
    reviews: set = field(default_factory=set)  # reminded of a stage's deadline
    failed_recipients: list = field(default_factory=list)
    cancelled: int = 0
    stopped_early: bool = False  # the mail server was not answering
    notice_emails: int = 0  # the daily digests of decision notices (actions.notices)
    server_failures_in_a_row: int = 0

    def summary(self) -> str:
        recipients, actions = len(self.recipients), len(self.actions)
        reviews = len(self.reviews)
        return (
            f"sent {self.emails} email{pluralize(self.emails)} to "
            f"{recipients} recipient{pluralize(recipients)} covering "
            f"{actions} action{pluralize(actions)}"
            + (f" and {reviews} review{pluralize(reviews)}" if reviews else "")
            + (
                f"; {self.notice_emails} daily digest{pluralize(self.notice_emails)} of decisions"
                if self.notice_emails
                else ""
            )
        )

    def count_failure(self, recipient: User, error: BaseException) -> None:
        self.failed_recipients.append(recipient)
        if claims.is_mail_server_failure(error):
            self.server_failures_in_a_row += 1
        else:
            self.server_failures_in_a_row = 0


@dataclass
class Outbox:
    """What deciding whether waiting reminders are still due needs, loaded once per delivery."""

    people: People
    # Actions with an extension request awaiting a decision: when the oldest was made.
    pending_extensions: dict[int, datetime.datetime]
    # The working days and last progress checks of the reviews reminded of.
    journeys: Journeys = field(default_factory=Journeys)

    def still_due(self, line: Line, recipient: User) -> bool:
        """Whether a reminder in the outbox should still go: the action or the review's stage
        may have moved on, and the recipient may no longer be one it is for. The kind's
        rule, as at planning."""
        if not recipient.can_receive_email:
            return False
        kind_rule = rule(line.kind)
        owed = Owed(
            line.status,
            line.due_date,
            line.action_due_date,
            line.returned_at,
            line.action_id in self.pending_extensions,
            self._deadline_now(line),
        )
        return kind_rule.owed(owed) and any(
            recipient in self.people.audience(line.about, audience)
            for audience in kind_rule.audiences
        )

    def _deadline_now(self, line: Line) -> datetime.date | None:
        if not line.is_about_a_review:
            return None
        review = line.review()
        self.journeys.read([review])  # known already, unless recorded since the outbox was read
        return self.journeys.deadlines(review, line.reminder_date).get(line.stage)

    def with_waiting(self, line: Line) -> Line:
        """The line, knowing since when the SILG chair has been waiting on it, or how many
        working days its review's stage had left on its day."""
        if line.kind == Kind.AWAITING_SIGN_OFF:
            return line._replace(waiting_since=line.submitted_at)
        if line.kind == Kind.AWAITING_EXTENSION:
            return line._replace(waiting_since=self.pending_extensions.get(line.action_id))
        if line.is_about_a_review:
            days = self.journeys.days[line.partnership_id]
            return line._replace(working_days_left=days.between(line.reminder_date, line.due_date))
        return line


def _claim(*recipient_ids: int) -> uuid.UUID | None:
    """Claim these recipients' waiting rows, stamped now, with one token. The conditional
    update is the lock: each row goes to one worker only."""
    return claims.claim(Reminder.objects.filter(recipient_id__in=recipient_ids))


def deliver(
    *, now: datetime.datetime | None = None, result: SweepResult | None = None
) -> SweepResult:
    """Send one digest per recipient with reminders waiting in the outbox.

    Concurrent deliveries (the sweep, beat's every few minutes, a notification's own)
    share the work: each recipient's rows go to whichever claims them first. A delivery
    stops early when the mail server is down (MAIL_SERVER_FAILURES_TO_STOP).
    """
    with database.every_partnership("delivering the reminders' outbox"):
        return _deliver(now, result or SweepResult())


def _deliver(now, result: SweepResult) -> SweepResult:
    waiting = Reminder.objects.filter(claims.claimable(now)).order_by()
    recipient_ids = waiting.values_list("recipient_id", flat=True).distinct()
    recipients = User.objects.in_bulk(recipient_ids)
    if not recipients:
        return result
    pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
    about_reviews = Review.objects.filter(pk__in=waiting.values("review_id"))
    outbox = Outbox(
        # Only the recipients' own partnerships: a reminder reaches a person through
        # their role in a partnership that commissioned the action's review.
        people=People.load(
            Membership.objects.filter(user_id__in=recipients, ended_at__isnull=True)
            .values_list("partnership_id", flat=True)
            .distinct()
        ),
        pending_extensions=dict(
            pending.order_by("action_id", "-requested_at").values_list("action_id", "requested_at")
        ),  # in that order, the oldest request of an action is the one the dict keeps
        journeys=Journeys().read(journey_reviews(about_reviews)),
    )
    ids = sorted(recipients)
    for start in range(0, len(ids), PEOPLE_PER_CLAIM):
        group = [recipients[pk] for pk in ids[start : start + PEOPLE_PER_CLAIM]]
        reached = _deliver_to_group(group, outbox, result)
        if result.server_failures_in_a_row >= MAIL_SERVER_FAILURES_TO_STOP:
            _stop_early(result, left=len(ids) - start - reached)
            break
    return result


def _stop_early(result: SweepResult, *, left: int) -> None:
    result.stopped_early = True
    logger.warning(
        "The mail server is not answering: stopped after %d failed sends in a row; "
        "%d %s left waiting for the next run",
        result.server_failures_in_a_row,
        left,
        "recipient" if left == 1 else "recipients",
    )


def _deliver_to_group(people: list[User], outbox: Outbox, result: SweepResult) -> int:
    """Send each of `people` their waiting reminders as one digest, where this worker wins
    their rows; how many of them it reached before stopping early.

    1. Claim the people's claimable rows (sscp.outbox.claim): each row to one worker only.
    2. Read the claimed rows, and cancel those no longer due.
    3. For each person in turn: build the digest, confirm the claim, send, mark the rows
       sent or failed. A delivery that stops (the mail server is down, the task's time is
       up) gives back the rows of the people it did not reach, for the next run.
    """
    token = _claim(*(person.pk for person in people))
    if token is None:
        return len(people)  # another worker claimed them all first
    claimed = Reminder.objects.filter(recipient__in=people)  # the recipient first, for the index
    lines = defaultdict(list)
    for recipient_id, *row in (
        claims.held(claimed, token)
        .order_by("recipient_id", "pk")
        .values_list("recipient_id", *LINE_FIELDS)
    ):
        lines[recipient_id].append(Line(*row))
    due, stale_ids = {}, []
    for person in people:
        due[person.pk] = []
        for line in lines[person.pk]:
            if outbox.still_due(line, person):
                due[person.pk].append(outbox.with_waiting(line))
            else:
                stale_ids.append(line.pk)
    if stale_ids:
        result.cancelled += claims.mark_cancelled(claimed.filter(pk__in=stale_ids), token)
    reached = 0
    try:
        for person in people:
            if result.server_failures_in_a_row >= MAIL_SERVER_FAILURES_TO_STOP:
                break
            if due[person.pk]:
                rows = Reminder.objects.filter(recipient=person)
                scope = outbox.people.scope_of(person)
                _send_digest(person, rows, token, due[person.pk], result, scope)
            reached += 1
    finally:  # a send that failed has marked its rows; one not begun is given back too
        if reached < len(people):
            claims.release(claimed.filter(recipient__in=people[reached:]), token)
    return reached


def _send_digest(
    recipient: User, rows, token: uuid.UUID, lines: list[Line], result, scope: Scope
) -> None:
    """Send the digest only while the claim is still this worker's, then mark the rows."""
    message = emails.reminder_digest(recipient, digest(lines, scope))
    if not claims.confirm(rows, token):
        logger.warning(
            "Reminders to %s were taken over by another worker; not sent here", recipient
        )
        return
    try:
        message.send()
    except Exception as error:  # any mail failure: record it, keep going with the others
        logger.warning("Reminder digest to %s failed: %s", recipient, error, exc_info=True)
        claims.mark_failed(rows, token, error)
        result.count_failure(recipient, error)
        if isinstance(error, SoftTimeLimitExceeded):
            raise  # the task's time is up: this person's rows are failed, the rest wait
        return
    if not claims.mark_sent(rows, token):
        claims.log_taken_over("A reminder digest", f"{recipient} <{recipient.email}>")
    result.server_failures_in_a_row = 0
    result.emails += 1
    result.recipients.add(recipient.pk)
    result.actions.update(line.action_id for line in lines if not line.is_about_a_review)
    result.reviews.update(line.review_id for line in lines if line.is_about_a_review)


def sweep(*, day: datetime.date | None = None) -> SweepResult:
    """Plan and record the reminders due on `day` (default: today), then deliver the outbox."""
    day = day or timezone.localdate()
    with database.every_partnership("the daily reminder sweep"), transaction.atomic():
        recorded = record(plan(day), day)
    result = deliver(result=SweepResult(day=day, recorded=recorded))
    # Decision notices of the people who chose to get them in the daily digest.
    result.notice_emails = notices.deliver(daily=True)
    return result


# 4. The digest's words -------------------------------------------------------


def digest(lines: list[Line], within) -> dict:
    """What one person's digest says: the most urgent, grouped by partnership, then by
    review, and counts. `within` is the person's scope (sscp.scope): each action and
    review is listed, and linked, under the partnership of theirs it is reached through.

    Only what may leave the service goes (docs/architecture.md, "What leaves the
    service"): the partnership's and the review's names, the recommendation number, the
    action's title, a review's stage, their dates and a link. Nothing about the children,
    no comments, no evidence. Past REMINDER_DIGEST_LINES, the earliest due are listed and
    the rest counted: a digest of thousands of lines is read by nobody.
    """
    most_urgent = sorted(lines, key=lambda r: (r.deadline, r.pk))
    reached = {
        line.pk: within.partnership_for(line.partnership_id, line.review_id) for line in lines
    }
    listed = sorted(
        most_urgent[: settings.REMINDER_DIGEST_LINES],
        key=lambda r: (
            reached[r.pk].name,
            r.review_title,
            r.review_id,
            not r.is_about_a_review,  # under each review, its own deadlines first
            r.recommendation_number or 0,
            r.deadline,
            r.pk,
        ),
    )
    links = Links()
    partnerships = [
        {"name": partnership.name, "reviews": _reviews(in_partnership, links, partnership)}
        for partnership, in_partnership in groupby(listed, key=lambda r: reached[r.pk])
    ]
    kinds = Counter(line.kind for line in lines)
    return {
        "partnerships": partnerships,
        "action_count": len({line.action_id for line in lines if not line.is_about_a_review}),
        "review_count": len({line.review_id for line in lines if line.is_about_a_review}),
        "kind_counts": [(kind.label, kinds[kind]) for kind in Kind if kinds[kind]],
        "listed_count": len(listed),
        "unlisted": len(lines) - len(listed),
    }


class Links:
    """The addresses of actions and reviews as format strings, `.format(slug, pk)`: for
    digests of thousands of lines, where a reverse() a line would be a tenth of the time."""

    def __init__(self):
        self.action = settings.SITE_URL + Action.url_format()
        marks = ("partnership-mark", 987654321)
        self.review = settings.SITE_URL + (
            reverse("review-detail", args=marks)
            .replace(marks[0], "{}")
            .replace(str(marks[1]), "{}")
        )


def _reviews(lines, links: Links, partnership) -> list[dict]:
    reviews = []
    for _, group in groupby(lines, key=lambda r: r.review_id):
        group = list(group)
        items = [_item(line, links, partnership) for line in group]
        reviews.append({"title": group[0].review_title, "items": items})
    return reviews


def _item(line: Line, links: Links, partnership) -> dict:
    """One line of a digest, its words worked out here rather than in the template."""
    if line.is_about_a_review:
        return {
            "kind": Kind(line.kind).label,
            "stage": stage_label(line.stage),
            "due": f"due {_long_date(line.due_date)}{_how_it_stands(line.working_days_left)}",
            "url": links.review.format(partnership.slug, line.review_id),
        }
    return {
        "kind": Kind(line.kind).label,
        "recommendation_number": line.recommendation_number,
        "title": line.title,
        "due": f"Due {_long_date(line.action_due_date)}{_how_late(line)}",
        "url": links.action.format(partnership.slug, line.action_id),
    }


def _how_it_stands(working_days_left: int | None) -> str:
    """ " (1 working day left)", " (today)", " (2 working days overdue)": a review's stage."""
    if working_days_left is None:
        return ""
    if working_days_left == 0:
        return " (today)"
    days = abs(working_days_left)
    words = f"{days} working day{pluralize(days)}"
    return f" ({words} left)" if working_days_left > 0 else f" ({words} overdue)"


def _how_late(line: Line) -> str:
    """ " (5 days overdue)" for the agency's work; " (waiting 5 days)" for the SILG chair's
    decisions, counted from the submission or the extension request."""
    if line.kind in (Kind.AWAITING_SIGN_OFF, Kind.AWAITING_EXTENSION):
        days = line.days_waiting
        if days is None:
            return ""
        return " (waiting since today)" if days == 0 else f" (waiting {days} day{pluralize(days)})"
    days = line.days_overdue
    return f" ({days} day{pluralize(days)} overdue)" if days else ""


@functools.lru_cache(maxsize=1024)
def _long_date(day) -> str:
    return date_format(day, "j F Y")
