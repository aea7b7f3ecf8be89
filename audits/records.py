"""
What each audit record says: the facts drawn from a history row or an access event.

For a history row: what kind of record it is, which agency, review,
recommendation and action it concerns, a description in words, and what
changed field by field since the previous row of the same record — with human
labels, related records by name and statuses by their display names.
"""

from dataclasses import dataclass, field

from django.apps import apps

from audits.changes import EMPTY, FieldChange, field_changes
from audits.models import AccessEvent, AuditRecord

RecordType = AuditRecord.RecordType
Change = AuditRecord.Change

HISTORY_CHANGES = {"+": Change.CREATED, "~": Change.CHANGED, "-": Change.DELETED}
ACTION_CHILDREN = {"progressupdate", "evidence", "signoffdecision", "extensionrequest"}


@dataclass
class Facts:
    record_type: str
    object_id: int | None
    change: str
    description: str
    reason: str = ""
    changes: list[list[str]] = field(default_factory=list)
    agency_id: int | None = None
    review_id: int | None = None
    recommendation_id: int | None = None
    action_id: int | None = None


def _action_context(action_id) -> dict:
    Action = apps.get_model("actions", "Action")
    row = (
        Action.objects.filter(pk=action_id)
        .values("title", "agency_id", "recommendation_id", "recommendation__review_id")
        .first()
    )
    return row or {
        "title": f"#{action_id}",
        "agency_id": None,
        "recommendation_id": None,
        "recommendation__review_id": None,
    }


def _review_of(recommendation_id) -> dict:
    Recommendation = apps.get_model("reviews", "Recommendation")
    return Recommendation.objects.filter(pk=recommendation_id).values("review_id").first() or {
        "review_id": None
    }


def _about(model_name: str, row) -> dict:
    """Description and context of a record, from the values on its history row."""
    if model_name == "review":
        return {"description": f"Review “{row.title}”", "review_id": row.id}
    if model_name == "recommendation":
        Review = apps.get_model("reviews", "Review")
        title = Review.objects.filter(pk=row.review_id).values_list("title", flat=True).first()
        return {
            "description": f"{title} recommendation {row.number}",
            "review_id": row.review_id,
            "recommendation_id": row.id,
        }
    if model_name == "action":
        review = _review_of(row.recommendation_id)
        return {
            "description": f"Action “{row.title}”",
            "agency_id": row.agency_id,
            "review_id": review["review_id"],
            "recommendation_id": row.recommendation_id,
            "action_id": row.id,
        }
    if model_name in ACTION_CHILDREN:
        action = _action_context(row.action_id)
        what = {
            "progressupdate": "Progress update",
            "evidence": f"Evidence “{getattr(row, 'original_name', '')}”",
            "signoffdecision": "Sign-off decision",
            "extensionrequest": "Extension request",
        }[model_name]
        return {
            "description": f"{what} on “{action['title']}”",
            "agency_id": action["agency_id"],
            "review_id": action["recommendation__review_id"],
            "recommendation_id": action["recommendation_id"],
            "action_id": row.action_id,
        }
    if model_name == "agency":
        return {"description": f"Agency “{row.name}”", "agency_id": row.id}
    if model_name == "user":
        name = " ".join(filter(None, [row.first_name, row.last_name])) or row.username
        return {"description": f"User “{name}”", "agency_id": row.agency_id}
    return {"description": f"Theme “{row.name}”"}


def _linked_ids(history_row, m2m_field) -> set:
    if history_row is None:
        return set()
    column = f"{m2m_field.m2m_reverse_field_name()}_id"
    return {getattr(link, column) for link in getattr(history_row, m2m_field.name).all()}


def _m2m_changes(history_model, previous, row) -> list[FieldChange]:
    """Changes to many-to-many links (themes, owning agencies), as lists of names."""
    changes = []
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        before, after = _linked_ids(previous, m2m_field), _linked_ids(row, m2m_field)
        if before == after:
            continue
        names = {
            obj.pk: str(obj)
            for obj in m2m_field.related_model._default_manager.filter(pk__in=before | after)
        }

        def listed(ids, names=names):
            return ", ".join(sorted(names.get(pk, f"#{pk}") for pk in ids)) or EMPTY

        label = str(m2m_field.verbose_name).capitalize()
        changes.append(FieldChange(label, listed(before), listed(after)))
    return changes


def facts_for_history(row) -> Facts:
    """The audit facts of one history row: what, about what, and what changed."""
    history_model = type(row)
    model = history_model.instance_type
    previous = (
        history_model.objects.filter(id=row.id, history_id__lt=row.history_id)
        .order_by("-history_id")
        .first()
    )
    changes = field_changes(history_model, previous, row) + _m2m_changes(
        history_model, previous, row
    )
    model_name = model._meta.model_name
    return Facts(
        record_type=model_name,
        object_id=row.id,
        change=HISTORY_CHANGES[row.history_type],
        reason=row.history_change_reason or "",
        changes=[[c.label, c.before, c.after] for c in changes],
        **_about(model_name, row),
    )


def facts_for_event(event: AccessEvent) -> Facts:
    if event.kind == AccessEvent.Kind.DOWNLOAD:
        Evidence = apps.get_model("actions", "Evidence")
        evidence = Evidence.objects.get(pk=event.object_id)
        return Facts(
            record_type=RecordType.EVIDENCE,
            object_id=evidence.pk,
            change=Change.DOWNLOADED,
            reason=event.detail,
            **_about("evidence", evidence),
        )
    return Facts(
        record_type=RecordType.REQUEST,
        object_id=event.object_id,
        change=Change.REFUSED,
        description=f"{event.method} {event.path} ({event.status_code})"[:300],
        reason=event.detail,
    )
