from django.contrib.auth import get_user_model
from django.utils import timezone

from sscp.middleware import restart_idle_clock
from sscp.security import LOCKOUT, SIGN_IN_FAILURE, record_refusal


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


def _account(username):
    """The account a sign-in named, if there is one. What was typed is never recorded: a
    password typed into the username box would be kept for ever in the audit trail."""
    User = get_user_model()
    if not isinstance(username, str) or not username:
        return None
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def record_sign_in_failure(sender, credentials, request=None, **kwargs):
    """Django's user_login_failed, from whatever view signs people in: on the sealed record.

    django-axes handles the signal first; a failure it has locked out is recorded as
    the lockout instead (record_lockout), so each attempt is one record.
    """
    if request is None or getattr(request, "axes_locked_out", False):
        return
    account = _account(credentials.get(get_user_model().USERNAME_FIELD))
    detail = "" if account else "No account has that username"
    record_refusal(request, SIGN_IN_FAILURE, obj=account, detail=detail)


def record_lockout(sender, request=None, username=None, **kwargs):
    """django-axes' user_locked_out: the lockout, and each attempt made while it lasts."""
    if request is None:
        return
    record_refusal(request, LOCKOUT, obj=_account(username))
