"""Changes people make to their own account."""

import secrets

from django.db import transaction

from audits.history import save_tracked
from sscp.models import User


@transaction.atomic
def user_set_reminder_frequency(
    *, actor: User, user: User, frequency: str, decision_emails: str = ""
) -> User:
    """How often the person wants reminders of upcoming work, and whether decisions on their
    work are emailed at once or in the daily digest (unchanged if not given)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.reminder_frequency = User.ReminderFrequency(frequency)
    user.decision_emails = User.DecisionEmails(decision_emails or user.decision_emails)
    return save_tracked(user, actor=actor, reason="Reminder preference changed")


@transaction.atomic
def calendar_address_renew(*, actor: User, user: User) -> User:
    """Give the person a new secret calendar address; any old one stops working at once."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.calendar_token = secrets.token_urlsafe(32)
    return save_tracked(user, actor=actor, reason="Calendar feed address renewed")


@transaction.atomic
def calendar_address_revoke(*, actor: User, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.calendar_token = None
    return save_tracked(user, actor=actor, reason="Calendar feed turned off")
