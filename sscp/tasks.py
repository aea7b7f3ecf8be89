"""Celery tasks for the account emails: thin wrappers around sscp.outbox, and queueing one."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction

from sscp import outbox
from sscp.models import OutgoingEmail

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(DatabaseError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=settings.REMINDER_TASK_TIME_LIMIT,
    time_limit=settings.REMINDER_TASK_TIME_LIMIT + 60,
)
def deliver_email(pk: int) -> bool:
    """Send one account email from the outbox (a password reset link), if still waiting."""
    return outbox.deliver(pk)


def queue(kind: str, address: str, reference: int | None = None) -> OutgoingEmail:
    """Add an account email to the outbox, and ask a worker to send it once the current
    transaction has committed."""
    email = OutgoingEmail.objects.create(kind=kind, address=address, reference=reference)
    deliver_after_commit(email.pk)
    return email


def deliver_after_commit(pk: int) -> None:
    """Ask a worker to send the outbox row `pk` once the current transaction has committed.

    With the broker down the request still succeeds the same way: the row is saved,
    and beat's delivery every few minutes (actions.tasks.deliver_reminders) sends it.
    """
    transaction.on_commit(lambda: _enqueue(pk))


def _enqueue(pk: int) -> None:
    try:
        deliver_email.delay(pk)
    except Exception:  # the broker is down or unreachable; the outbox keeps the work
        logger.warning(
            "Could not queue account email %s; the next delivery will send it", pk, exc_info=True
        )
