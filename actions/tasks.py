"""Celery tasks: thin wrappers that call the reminder services."""

import datetime
import logging

from celery import shared_task
from django.db import DatabaseError, transaction

from actions import reminders

logger = logging.getLogger(__name__)

# Temporary failures worth another try: the database restarting, a lost connection.
RETRY = {
    "autoretry_for": (DatabaseError, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**RETRY)
def send_reminders(date: str | None = None) -> str:
    """The daily sweep (beat runs it at 07:00): plan, record and deliver the day's reminders."""
    day = datetime.date.fromisoformat(date) if date else None
    result = reminders.sweep(day=day)
    logger.info("Reminder sweep for %s: %s", result.day, result.summary())
    return result.summary()


@shared_task(**RETRY)
def deliver_reminders() -> str:
    """Send whatever the outbox holds: new notifications, or what an earlier run could not."""
    return reminders.deliver().summary()


def deliver_after_commit() -> None:
    """Ask a worker to deliver the outbox once the current transaction has committed.

    If the broker cannot be reached the request still succeeds: the reminder is
    already saved in the outbox, and the next sweep delivers it.
    """
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    try:
        deliver_reminders.delay()
    except Exception:  # the broker is down or unreachable; the outbox keeps the work
        logger.warning(
            "Could not queue reminder delivery; the next sweep will send it", exc_info=True
        )
