"""Reading the audit trail. Who may read which records is the caller's to say: `scope` is
a filter from the permission module (sscp.permissions.audit_scope); the kernel knows
nothing of people's roles."""

from audits.models import AuditRecord


def visible_records(scope):
    """The audit records within `scope`, newest first, ready to list."""
    return (
        AuditRecord.objects.filter(scope)
        .select_related("user", "agency", "review")
        .order_by("-seq")
    )


def timeline(scope, **about):
    """The records about one review, recommendation or action within `scope`, oldest first.

    `about` is one of review=, recommendation= or action=.
    """
    return AuditRecord.objects.filter(scope, **about).select_related("user").order_by("seq")
