from django.utils import timezone

from sscp.middleware import restart_idle_clock


def record_sign_in(sender, request, user, **kwargs):
    """Save the time of sign-in without adding a history row; start the session's idle clock."""
    if request is not None and hasattr(request, "session"):
        restart_idle_clock(request.session, force=True)
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving
