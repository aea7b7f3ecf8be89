"""
The email outboxes: claiming rows so that each email is sent by one worker only, and
delivering the account emails (sscp.models.OutgoingEmail).

What the service owes people by email is kept as rows with a status (pending,
sending, sent, failed, cancelled): the reminders (actions.reminders) and the account
emails here. A worker sends a row's email only while it holds the row's claim:

1. Claim: one conditional UPDATE moves the claimable rows to `sending`, stamped with
   the time of the claim and a new token. Claimable means pending, failed, or sending
   under a claim older than REMINDER_CLAIM_TIMEOUT_MINUTES (its worker died mid-send).
   The database applies competing updates one after the other, re-checking the
   condition, so exactly one worker wins each row.
2. Confirm: immediately before sending, the worker refreshes the claim's time on the
   rows that still carry its token. If none do, another worker took them over (this
   one stalled past the timeout), and this one sends nothing.
3. Mark: sent, failed (claimable again by a later run) or cancelled, again only on the
   rows carrying the token; or released, as they were, when the worker stops before
   reaching them. A "sent" that matches no row means the claim was taken
   over during the send, so the email may have gone twice: that is logged as an error.

Nothing here imports actions/: the reminders build on this, never the reverse.
"""

import datetime
import logging
import smtplib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from sscp import emails
from sscp.models import OutgoingEmail

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
CLAIMABLE = (PENDING, FAILED)


def claim_timeout() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES)


def claimable(now: datetime.datetime | None = None) -> Q:
    """Rows a worker may claim at `now`: waiting, failed, or claimed by a worker long gone."""
    stale = (now or timezone.now()) - claim_timeout()
    return Q(status__in=CLAIMABLE) | Q(status=SENDING, claimed_at__lt=stale)


def claim(rows: QuerySet) -> uuid.UUID | None:
    """Claim the claimable rows among `rows`, stamped now; the token if any were won."""
    now = timezone.now()
    token = uuid.uuid4()
    won = rows.filter(claimable(now)).update(status=SENDING, claimed_at=now, claim_token=token)
    return token if won else None


def held(rows: QuerySet, token: uuid.UUID) -> QuerySet:
    """The rows among `rows` still claimed with `token`."""
    return rows.filter(claim_token=token, status=SENDING)


def confirm(rows: QuerySet, token: uuid.UUID) -> bool:
    """Refresh the claim just before sending: whether it is still this worker's."""
    return held(rows, token).update(claimed_at=timezone.now()) > 0


def mark_sent(rows: QuerySet, token: uuid.UUID) -> int:
    return held(rows, token).update(
        status=SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )


def mark_failed(rows: QuerySet, token: uuid.UUID, error: BaseException) -> int:
    return held(rows, token).update(
        status=FAILED, attempts=F("attempts") + 1, last_error=describe(error)[:2000]
    )


def mark_cancelled(rows: QuerySet, token: uuid.UUID) -> int:
    return held(rows, token).update(status=CANCELLED)


def release(rows: QuerySet, token: uuid.UUID) -> int:
    """Give back rows claimed and not reached (the delivery stopped early), claimable again
    at once as they were: failed if a send of theirs had failed, else pending. If the
    database cannot be reached either, they are claimable again after the claim timeout."""
    was = Case(When(last_error="", then=Value(PENDING)), default=Value(FAILED))
    try:
        return held(rows, token).update(status=was)
    except DatabaseError:
        logger.warning(
            "Could not give back claimed rows; claimable after the timeout", exc_info=True
        )
        return 0


def describe(error: BaseException) -> str:
    """An error as the outbox records it: a timeout says so, even with no message of its own."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def is_mail_server_failure(error: BaseException) -> bool:
    """Whether a send failed because the mail server could not be reached or stopped
    answering (refused, timed out, hung up), rather than refusing this one message."""
    if isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(error, OSError | smtplib.SMTPServerDisconnected)


def log_taken_over(what: str, recipient) -> None:
    logger.error(
        "%s to %s was sent, but another worker had taken over its claim meanwhile: "
        "it may have been sent twice",
        what,
        recipient,
    )


# Account emails ----------------------------------------------------------------

# Each kind of account email's builder: the messages an outbox row stands for, made when
# it is sent (secrets in links are made then, never stored), or none if it is no longer
# owed. Apps register theirs (`builds`) when they are ready: the outbox knows no app.
BUILDERS: dict[str, Callable[[OutgoingEmail], list[EmailMessage]]] = {}


def builds(kind: str):
    """Register the decorated function as the builder of `kind`'s messages."""

    def register(builder):
        BUILDERS[kind] = builder
        return builder

    return register


def deliver_waiting() -> int:
    """Send every account email waiting in the outbox; how many rows were sent.

    One row at a time, each claimed first, so that any number of workers may run
    this at once. A row that fails stays `failed` for the next run.
    """
    waiting = OutgoingEmail.objects.filter(claimable()).order_by("created_at", "pk")
    return sum(deliver(pk) for pk in waiting.values_list("pk", flat=True))


def deliver(pk: int) -> bool:
    """Send one account email, if this worker wins its claim; whether it was sent.

    1. Claim the row.
    2. Build its messages with its kind's builder; with none (no account has the
       address, the invitation was cancelled), cancel it (nobody learns why).
    3. Confirm the claim, send, mark the row.
    """
    rows = OutgoingEmail.objects.filter(pk=pk)
    token = claim(rows)
    if token is None:
        return False  # another worker has it, or it is already done
    email = rows.get()
    messages = BUILDERS[email.kind](email)
    if not messages:
        mark_cancelled(rows, token)
        return False
    if not confirm(rows, token):
        return False
    try:
        get_connection().send_messages(messages)
    except Exception as error:  # any mail failure: leave it for the next run
        logger.warning(
            "%s %s failed: %s", email.get_kind_display(), pk, describe(error), exc_info=True
        )
        mark_failed(rows, token, error)
        return False
    if not mark_sent(rows, token):
        log_taken_over(f"{email.get_kind_display()} {pk}", email.address)
    return True


@builds(OutgoingEmail.Kind.PASSWORD_RESET)
def password_reset_messages(email: OutgoingEmail) -> list[EmailMessage]:
    return [emails.password_reset(user) for user in accounts_for_password_reset(email.address)]


def accounts_for_password_reset(address: str) -> list:
    """The accounts a reset link for `address` goes to: Django's own rule (active, a
    usable password, the address matching whatever its case, and again after Unicode
    folding, so that a look-alike address never matches)."""
    return list(PasswordResetForm().get_users(address))
