from django.utils import timezone


def record_sign_in(sender, user, **kwargs):
    """Save the time of sign-in without adding a history row for the person."""
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving
