"""
A serious incident's statutory journey (Working Together to Safeguard Children; the Child
Safeguarding Practice Review and Relevant Agency (England) Regulations 2018): one table of
its stages — what each records, when it is due, whether it applies — that the review's page,
the forms, the services, the reminders, the dashboards and the annual figures all read.

    serious incident (became aware)
      → notification to the National Panel       NOTIFICATION_WORKING_DAYS after awareness
      → rapid review, sent to the Panel           RAPID_REVIEW_WORKING_DAYS after the
                                                  notification (or awareness: a setting)
      → decision on a local review                at the rapid review
      → local child safeguarding practice review  LOCAL_REVIEW_MONTHS after the decision,
                                                  checked every PROGRESS_CHECK_EVERY_WEEKS
      → final report to the Panel and the Secretary of State
                                                  at least FINAL_REPORT_WORKING_DAYS before
                                                  publication
      → publication                               kept available PUBLICATION_KEPT_MONTHS

Every deadline is counted in working days by sscp.working_days (a date that falls on a day
off moves to the next working day). docs/architecture.md draws the table.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings

from reviews.models import Review
from sscp.working_days import WorkingDays


@dataclass(frozen=True)
class Stage:
    """One stage of the journey."""

    key: str
    label: str
    fields: tuple[str, ...]  # what recording it sets on the review
    done: str  # the date field that marks it done
    due: Callable[[Review, WorkingDays], datetime.date | None]
    applies: Callable[[Review], bool] = lambda review: True
    required: tuple[str, ...] = ()  # fields it cannot be recorded without
    # The date `due` gives is the earliest it may be done, not a deadline (publication).
    not_before: bool = False


def _notification_due(review, days):
    return days.add(review.became_aware_on, settings.NOTIFICATION_WORKING_DAYS)


def _rapid_review_due(review, days):
    """15 working days from the notification (as sent, or as due if not sent yet), or from
    awareness where RAPID_REVIEW_COUNTED_FROM says so."""
    if settings.RAPID_REVIEW_COUNTED_FROM == "awareness":
        start = review.became_aware_on
    else:
        start = review.notified_on or _notification_due(review, days)
    return days.add(start, settings.RAPID_REVIEW_WORKING_DAYS)


def _local_review_due(review, days):
    if review.decided_on is None:
        return None
    return days.on_or_after(review.decided_on + relativedelta(months=settings.LOCAL_REVIEW_MONTHS))


def _publication_due(review, days):
    """Not before FINAL_REPORT_WORKING_DAYS after the report went to the Panel."""
    if review.final_report_sent_on is None:
        return None
    return days.add(review.final_report_sent_on, settings.FINAL_REPORT_WORKING_DAYS)


def _holds_local_review(review) -> bool:
    return review.decision == Review.Decision.LOCAL_REVIEW


STAGES = [
    Stage(
        "incident", "Serious incident", ("child_pseudonym", "became_aware_on"),
        done="became_aware_on", due=lambda review, days: None,
        required=("child_pseudonym", "became_aware_on"),
    ),
    Stage(
        "notification", "Notification to the National Panel", ("notified_on",),
        done="notified_on", due=_notification_due, required=("notified_on",),
    ),
    Stage(
        "rapid_review", "Rapid review",
        ("rapid_review_started_on", "rapid_review_completed_on", "rapid_review_sent_on"),
        done="rapid_review_sent_on", due=_rapid_review_due,
        required=("rapid_review_started_on",),
    ),
    Stage(
        "decision", "Decision on a local review",
        ("decision", "decision_rationale", "decided_on", "panel_response", "panel_response_on"),
        done="decided_on", due=_rapid_review_due,
        required=("decision", "decision_rationale", "decided_on"),
    ),
    Stage(
        "local_review", "Local child safeguarding practice review",
        ("local_review_commissioned_on", "reviewer", "terms_of_reference",
         "local_review_completed_on"),
        done="local_review_completed_on", due=_local_review_due, applies=_holds_local_review,
        required=("local_review_commissioned_on",),
    ),
    Stage(
        "final_report", "Final report to the Panel and the Secretary of State",
        ("final_report_received_on", "final_report_sent_on"),
        done="final_report_sent_on", due=_local_review_due, applies=_holds_local_review,
        required=("final_report_received_on",),
    ),
    Stage(
        "publication", "Publication", ("published_on", "published_url"),
        done="published_on", due=_publication_due, applies=_holds_local_review,
        required=("published_on",), not_before=True,
    ),
]  # fmt: skip
BY_KEY = {stage.key: stage for stage in STAGES}
# Each date of the journey, and the date it may not come before (None: the awareness date).
ORDER = {
    "notified_on": None,
    "rapid_review_started_on": None,
    "rapid_review_completed_on": "rapid_review_started_on",
    "rapid_review_sent_on": "rapid_review_completed_on",
    "decided_on": None,
    "panel_response_on": "rapid_review_sent_on",
    "local_review_commissioned_on": "decided_on",
    "local_review_completed_on": "local_review_commissioned_on",
    "final_report_received_on": "local_review_commissioned_on",
    "final_report_sent_on": "final_report_received_on",
    "published_on": "final_report_sent_on",
}


class Standing:
    """Where a stage stands, in the words its tag uses."""

    DONE = "Completed"
    LATE = "Overdue"
    DUE = "Due soon"
    UPCOMING = "Not yet due"
    READY = "Can be done now"
    WAITING = "Cannot start yet"
    NOT_NEEDED = "Not needed"


@dataclass(frozen=True)
class StageState:
    """A stage of one review, as it stands on a day."""

    stage: Stage
    done_on: datetime.date | None
    due_on: datetime.date | None
    working_days_left: int | None  # negative: how late
    standing: str

    @property
    def is_open(self) -> bool:
        return self.standing in {Standing.LATE, Standing.DUE, Standing.UPCOMING, Standing.READY}

    @property
    def deadline(self) -> datetime.date | None:
        """The date it must be done by, if it has one (publication has an earliest date)."""
        return None if self.stage.not_before else self.due_on


def journey(review: Review, days: WorkingDays, today: datetime.date) -> list[StageState]:
    """Every stage of `review` as it stands `today`. A stage waits until the one before
    it is done (a local review's, until one is decided on); one a decision not to hold a
    local review makes unneeded says so."""
    states, before_done = [], True
    for stage in STAGES:
        done_on = getattr(review, stage.done)
        if not stage.applies(review):
            # Not needed once decided against; until the decision, it may yet be.
            standing = Standing.NOT_NEEDED if review.decision else Standing.WAITING
            states.append(StageState(stage, None, None, None, standing))
            continue
        due_on = stage.due(review, days) if review.follows_journey else None
        left = days.between(today, due_on) if due_on and not done_on else None
        standing = _standing(stage, done_on, due_on, today, left, before_done)
        states.append(StageState(stage, done_on, due_on, left, standing))
        before_done = done_on is not None
    return states


def _standing(stage, done_on, due_on, today, left, before_done) -> str:
    if done_on is not None:
        return Standing.DONE
    if not before_done:
        return Standing.WAITING
    if stage.not_before:
        return Standing.READY if due_on is None or due_on <= today else Standing.UPCOMING
    if left is None:
        return Standing.UPCOMING
    if due_on < today:  # past, even when the days since are a weekend: late
        return Standing.LATE
    return Standing.DUE if left <= max(settings.STAGE_REMINDER_WORKING_DAYS) else Standing.UPCOMING


def next_deadline(states: list[StageState]) -> StageState | None:
    """The first stage still open with a deadline: what the review is waiting for."""
    return next((state for state in states if state.is_open and state.deadline), None)


def progress_check_due(review: Review, last_check: datetime.date | None) -> datetime.date | None:
    """When the SILG should next check a local review in progress (Regulation 14)."""
    if not _holds_local_review(review) or review.local_review_commissioned_on is None:
        return None
    if review.local_review_completed_on is not None:
        return None
    since = last_check or review.local_review_commissioned_on
    return since + datetime.timedelta(weeks=settings.PROGRESS_CHECK_EVERY_WEEKS)


def kept_until(review: Review) -> datetime.date | None:
    """The published report is kept available at least until this day."""
    if review.published_on is None:
        return None
    return review.published_on + relativedelta(months=settings.PUBLICATION_KEPT_MONTHS)
