"""Celery tasks: thin wrappers that call the reminder services."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from actions import counts, notices, reminders, reports
from sscp import database, outbox

logger = logging.getLogger(__name__)

# Temporary failures worth another try: the database restarting, a lost connection.
RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}

# No task may hold a worker for ever, whatever a mail server does: at the soft limit
# the send in progress fails (that person's rows are `failed`, the rest untouched for
# the next run); a task that does not stop then is ended a minute later. Celery's
# prefork pool (the Procfile's worker) enforces both; the solo pool enforces neither.
TIME_LIMITS = {
    "soft_time_limit": settings.REMINDER_TASK_TIME_LIMIT,
    "time_limit": settings.REMINDER_TASK_TIME_LIMIT + 60,
}


@shared_task(**RETRY, **TIME_LIMITS)
def send_reminders(date: str | None = None) -> str:
    """The daily sweep (beat runs it at 07:00): plan, record and deliver the day's reminders."""
    day = datetime.date.fromisoformat(date) if date else None
    result = reminders.sweep(day=day)
    logger.info("Reminder sweep for %s: %s", result.day, result.summary())
    return result.summary()


@shared_task(**RETRY, **TIME_LIMITS)
def deliver_reminders() -> str:
    """Send whatever the outboxes hold: new notifications, or what an earlier run could not.

    Beat runs it every OUTBOX_DELIVERY_EVERY_SECONDS, so that anything a request could
    not hand to a worker (the broker was down) goes within minutes. That includes the
    account emails (sscp.outbox), which have no beat entry of their own.
    """
    summary = reminders.deliver().summary()
    told = notices.deliver()
    sent = outbox.deliver_waiting()
    return (
        f"{summary}; {told} email{'s' if told != 1 else ''} of decisions; "
        f"{sent} account email{'s' if sent != 1 else ''}"
    )


@shared_task(**RETRY, **TIME_LIMITS)
def close_years() -> str:
    """Beat runs it daily: store each partnership's figures of the last financial year
    ended, once (reports.close_years); a year stored already is left as it is."""
    closings = reports.close_years(today=timezone.localdate())
    stored = sum(closing.outcome == "stored" for closing in closings)
    failed = sum(closing.outcome == "failed" for closing in closings)
    return f"stored {stored} closed year{'s' if stored != 1 else ''}; {failed} failed"


@shared_task(**RETRY, **TIME_LIMITS)
def count_overdue() -> str:
    """Beat runs it just after midnight: count each review's overdue actions as of the
    new day (actions.counts.count_overdue), past the partnerships' row-level policies."""
    with database.every_partnership("counting every review's overdue actions"):
        counted = counts.count_overdue(timezone.localdate())
    return f"counted the overdue actions of {counted} review{'s' if counted != 1 else ''}"


def deliver_after_commit() -> None:
    """Ask a worker to deliver the outbox once the current transaction has committed.

    If the broker cannot be reached the request still succeeds: the reminder is
    already saved in the outbox, and the next delivery (beat's, every few minutes)
    sends it.
    """
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    try:
        deliver_reminders.delay()
    except Exception:  # the broker is down or unreachable; the outbox keeps the work
        logger.warning(
            "Could not queue reminder delivery; the next sweep will send it", exc_info=True
        )
