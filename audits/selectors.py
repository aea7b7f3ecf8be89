from actions.permissions import audit_scope
from audits.models import AuditRecord


def visible_records(user):
    """The audit records `user` may read, newest first, ready to list."""
    return (
        AuditRecord.objects.filter(audit_scope(user))
        .select_related("user", "agency", "review")
        .order_by("-seq")
    )


def timeline(user, **about):
    """The records about one review, recommendation or action that `user` may read, oldest first.

    `about` is one of review=, recommendation= or action=.
    """
    return (
        AuditRecord.objects.filter(audit_scope(user), **about)
        .select_related("user")
        .order_by("seq")
    )
