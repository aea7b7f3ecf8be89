"""
Decision notices: every decision that affects someone is told to them (docs/architecture.md,
"Decision notices"; the README has the table).

`tell` is called by the service that makes the decision, inside its transaction: the
notices are saved with the decision or not at all. Each is a row (actions.models.Notice)
that is two things at once:

- the person's notification, on their notifications page (`/notifications/`) and counted
  unread in the header until they read it;
- an email owed, in an outbox like the reminders' (sscp.outbox: claimed by one worker,
  confirmed, marked), so it is sent exactly once, retried if the mail server fails, and
  never lost if the broker is down. Someone who wants notices at once gets them within a
  minute of the decision committing (a worker is asked after the commit; beat's delivery
  every few minutes sends whatever that missed); someone who chose the daily digest gets
  them with the morning's reminder sweep, as one email.

Who is told is NOTICES below, one row per kind of decision; never the person who made it,
and only people whose role reaches the record: the action's agency's leads, the
partnership's team or chair, in a partnership that commissioned the review.
"""

import logging
from enum import StrEnum

from django.utils import timezone

from actions.models import Action, ExtensionRequest, Notice
from actions.recipients import About, People
from actions.recipients import Audience as Staff
from reviews.models import Recommendation, Review
from sscp import database, emails
from sscp import outbox as claims
from sscp.models import User

logger = logging.getLogger(__name__)

Kind = Notice.Kind


class Audience(StrEnum):
    OWNERS = "owners"  # the action's owner, or every lead of its agency
    REQUESTER = "requester"  # who asked for the extension, while a lead of the agency
    AGENCIES = "agencies"  # the owners of each action of the recommendation
    PARTNERSHIP = "partnership"  # the partnership team
    CHAIR = "chair"  # the SILG chair
    INVITER = "inviter"  # who sent the invitation, while on the partnership team


# Who is told of each decision: the one table (and the README's copy of it).
NOTICES: dict[str, tuple[Audience, ...]] = {
    Kind.APPROVED: (Audience.OWNERS,),
    Kind.RETURNED: (Audience.OWNERS,),
    Kind.EXTENSION_GRANTED: (Audience.REQUESTER, Audience.OWNERS),
    Kind.EXTENSION_DECLINED: (Audience.REQUESTER, Audience.OWNERS),
    Kind.REOPENED: (Audience.OWNERS,),
    Kind.SUPERSEDED: (Audience.OWNERS,),
    Kind.MOVED: (Audience.OWNERS,),  # of the agency it moved to: no single owner there yet
    Kind.WITHDRAWN: (Audience.OWNERS,),  # each action, also one withdrawn with its review
    Kind.RECOMMENDATION_CLOSED: (Audience.AGENCIES, Audience.PARTNERSHIP),
    Kind.EMBEDDED: (Audience.AGENCIES, Audience.PARTNERSHIP),
    Kind.NOT_YET_EMBEDDED: (Audience.AGENCIES, Audience.PARTNERSHIP),
    Kind.STAGE_LATE: (Audience.PARTNERSHIP, Audience.CHAIR),
    Kind.INVITATION_ACCEPTED: (Audience.INVITER,),
    # Changes on work the person owns (their agency's action) or follows (the team: the
    # partnership's work), made by someone else: shown on Home and the notifications page
    # like a decision, never emailed (SHOWN_ONLY).
    Kind.PROGRESS_POSTED: (Audience.OWNERS,),
    Kind.EVIDENCE_ADDED: (Audience.OWNERS,),
    Kind.ACTION_CHANGED: (Audience.OWNERS,),
    Kind.SUBMITTED: (Audience.OWNERS, Audience.PARTNERSHIP),
}
SHOWN_ONLY = frozenset(
    {Kind.PROGRESS_POSTED, Kind.EVIDENCE_ADDED, Kind.ACTION_CHANGED, Kind.SUBMITTED}
)


def tell(
    kind: str,
    *,
    actor: User,
    text: str,
    action: Action | None = None,
    recommendation: Recommendation | None = None,
    review: Review | None = None,
    extension: ExtensionRequest | None = None,
    invitation=None,
) -> list[Notice]:
    """Save a notice of a decision for each person NOTICES says it goes to, but `actor`.
    The service then asks a worker to deliver after its transaction commits
    (actions.tasks.deliver_after_commit), as it does for any email it owes.

    `text` says what happened in words that may leave the service: the record's title,
    its review and number, dates and who decided; never a comment or a child's details.
    """
    if action is not None:
        recommendation = action.recommendation
    if recommendation is not None:
        review = recommendation.review
    partnership_id = review.partnership_id if review is not None else invitation.partnership_id
    with database.every_partnership("finding who a decision is told to"):
        people = People.load([partnership_id])
        recipients = _recipients(
            people, kind, partnership_id, review, recommendation, action, extension, invitation
        )
    now = timezone.now()
    status = Notice.Status.SHOWN if kind in SHOWN_ONLY else Notice.Status.PENDING
    return Notice.objects.bulk_create(
        Notice(
            recipient=recipient,
            partnership_id=partnership_id,
            review=review,
            recommendation=recommendation,
            action=action,
            kind=kind,
            text=text[:300],
            decided_by=actor,
            created_at=now,
            status=status,
        )
        for recipient in recipients
        if recipient.pk != actor.pk
    )


def _recipients(people: People, kind, partnership_id, review, recommendation, action, extension,
                invitation) -> list[User]:  # fmt: skip
    review_id = review.pk if review is not None else None
    found: dict[int, User] = {}
    for audience in NOTICES[kind]:
        if audience == Audience.OWNERS:
            about = About(action.agency_id, action.owner_id, partnership_id, review_id)
            users = people.owners_of(about)
        elif audience == Audience.REQUESTER:
            about = About(action.agency_id, None, partnership_id, review_id)
            users = [u for u in people.owners_of(about) if u.pk == extension.requested_by_id]
        elif audience == Audience.AGENCIES:
            owning = recommendation.actions.values_list("agency_id", "owner_id").distinct()
            users = [
                user
                for agency_id, owner_id in owning.order_by("agency_id", "owner_id")
                for user in people.owners_of(About(agency_id, owner_id, partnership_id, review_id))
            ]
        elif audience == Audience.INVITER:
            users = [
                u for u in people.teams.get(partnership_id, ()) if u.pk == invitation.invited_by_id
            ]
        else:
            staff = Staff.PARTNERSHIP if audience == Audience.PARTNERSHIP else Staff.CHAIR
            users = people.audience(About(None, None, partnership_id, review_id), staff)
        for user in users:
            found.setdefault(user.pk, user)
    return list(found.values())


# Delivering ------------------------------------------------------------------------


def deliver(*, daily: bool = False) -> int:
    """Email each person their waiting notices, one email each: those who want them at once;
    with `daily` (the morning's sweep), those who chose the daily digest too. How many
    emails were sent. Any number of workers may run this at once: a person's notices go
    to whichever claims them first."""
    with database.every_partnership("delivering decision notices"):
        waiting = Notice.objects.filter(claims.claimable()).order_by()
        recipients = User.objects.filter(pk__in=waiting.values("recipient_id"))
        if not daily:
            recipients = recipients.filter(decision_emails=User.DecisionEmails.AT_ONCE)
        return sum(_deliver_to(recipient) for recipient in recipients.order_by("pk"))


def _deliver_to(recipient: User) -> bool:
    rows = Notice.objects.filter(recipient=recipient)
    token = claims.claim(rows)
    if token is None:
        return False  # another worker has them
    held = list(claims.held(rows, token).select_related("partnership", "decided_by").order_by("pk"))
    if not held:
        return False
    if not recipient.can_receive_email:
        claims.mark_cancelled(rows, token)
        return False
    message = emails.decision_notices(recipient, [_line(notice) for notice in held])
    if not claims.confirm(rows, token):
        return False
    try:
        message.send()
    except Exception as error:  # any mail failure: the next delivery tries again
        logger.warning("Decision notices to %s failed: %s", recipient, error, exc_info=True)
        claims.mark_failed(rows, token, error)
        return False
    if not claims.mark_sent(rows, token):
        claims.log_taken_over("Decision notices", f"{recipient} <{recipient.email}>")
    return True


def _line(notice: Notice) -> dict:
    return {
        "partnership": notice.partnership.name,
        "kind": notice.get_kind_display(),
        "text": notice.text,
        "at": notice.created_at,
        "url": notice.url(),
    }
