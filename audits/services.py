"""Writes to the audit trail that are not history rows: reads worth recording."""

from django.db import transaction

from audits.models import AccessEvent
from audits.sealing import seal_access_event


@transaction.atomic
def access_record(
    request, *, kind: str, status_code: int, obj=None, detail: str = ""
) -> AccessEvent:
    """Record an evidence download or a refused request (who, what, when), sealed."""
    user = request.user if request.user.is_authenticated else None
    event = AccessEvent.objects.create(
        kind=kind,
        user=user,
        method=request.method[:10],
        path=request.get_full_path()[:500],
        status_code=status_code,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        detail=detail,
        ip_address=request.META.get("REMOTE_ADDR") or None,
    )
    seal_access_event(event)
    return event
