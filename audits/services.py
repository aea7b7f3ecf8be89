"""Writes to the audit trail that are not history rows: reads worth recording."""

from django.db import transaction

from audits.models import AccessEvent
from audits.sealing import seal_access_event


@transaction.atomic
def access_record(
    request, *, kind: str, status_code: int, ip_address: str | None, obj=None, detail: str = ""
) -> AccessEvent:
    """Record an evidence download or a refused request (who, what, when, from where), sealed.

    Refusals that anyone can cause as often as they like go through
    sscp.security.record_refusal, which calls this a bounded number of times.
    The partnership is the one whose page was asked for (request.partnership), if any.
    `ip_address` is the client's real address, as the caller knows it
    (sscp.security.client_ip): the kernel knows nothing of proxies.
    """
    user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    partnership = getattr(request, "partnership", None)
    event = AccessEvent.objects.create(
        kind=kind,
        user=user,
        method=request.method[:10],
        path=request.get_full_path()[:500],
        status_code=status_code,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        detail=detail.replace("\x00", "\ufffd"),  # PostgreSQL's text holds no NUL
        ip_address=ip_address,
        partnership_id=partnership.pk if partnership is not None else None,
    )
    seal_access_event(event)
    return event
