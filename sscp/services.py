"""Changes people make to their own account."""

from django.db import transaction

from audits.history import save_tracked
from sscp.models import User


@transaction.atomic
def user_set_reminder_frequency(*, actor: User, user: User, frequency: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.reminder_frequency = User.ReminderFrequency(frequency)
    return save_tracked(user, actor=actor, reason="Reminder preference changed")
