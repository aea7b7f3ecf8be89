"""
What each audit record says: the facts drawn from a history row or an access event.

For a history row: what kind of record it is, which agency, review,
recommendation and action it concerns, a description in words, and what
changed field by field since the previous row of the same record — with human
labels, related records by name and statuses by their display names.
"""

import functools
from dataclasses import dataclass, field

from django.apps import apps

from audits.changes import EMPTY, FieldChange, field_changes, names_from_database
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


class Lookups:
    """How facts find the records a history row points to.

    These ask the database one question at a time, which suits rows sealed as
    they are written. `PreloadedLookups` answers from memory instead.
    """

    def previous(self, history_model, row):
        """The history row of the same record before `row`, if any."""
        return (
            history_model.objects.filter(id=row.id, history_id__lt=row.history_id)
            .order_by("-history_id")
            .first()
        )

    def action(self, action_id) -> dict:
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

    def review_id(self, recommendation_id) -> int | None:
        Recommendation = apps.get_model("reviews", "Recommendation")
        return (
            Recommendation.objects.filter(pk=recommendation_id)
            .values_list("review_id", flat=True)
            .first()
        )

    def review_title(self, review_id) -> str | None:
        Review = apps.get_model("reviews", "Review")
        return Review.objects.filter(pk=review_id).values_list("title", flat=True).first()

    def names(self, related_model, ids) -> dict:
        """The display names of some records of one model, by primary key."""
        return names_from_database(related_model, ids)


class PreloadedLookups(Lookups):
    """Lookups answered from memory, loaded once: for sealing rows written in bulk.

    Rows must be described in (record id, history id) order for each history
    model, so that the previous row of a record is the one described just before.
    """

    NAMED_MODELS = [
        ("sscp", "Agency"),
        ("sscp", "User"),
        ("reviews", "Theme"),
        ("reviews", "Review"),
        ("reviews", "Recommendation"),
        ("actions", "Action"),
    ]

    def __init__(self):
        Action = apps.get_model("actions", "Action")
        self._actions = {
            row.pop("pk"): row
            for row in Action.objects.values(
                "pk", "title", "agency_id", "recommendation_id", "recommendation__review_id"
            ).iterator()
        }
        self._names = {}
        for app_label, model_name in self.NAMED_MODELS:
            model = apps.get_model(app_label, model_name)
            queryset = model._default_manager.all()
            if model_name == "Recommendation":
                queryset = queryset.select_related("review")
            self._names[model] = {obj.pk: str(obj) for obj in queryset.iterator()}
        Recommendation = apps.get_model("reviews", "Recommendation")
        self._review_ids = dict(Recommendation.objects.values_list("pk", "review_id"))
        Review = apps.get_model("reviews", "Review")
        self._review_titles = dict(Review.objects.values_list("pk", "title"))
        self._last = None

    def previous(self, history_model, row):
        last, self._last = self._last, row
        if type(last) is history_model and last.id == row.id and last.history_id < row.history_id:
            return last
        return None

    def action(self, action_id) -> dict:
        return self._actions.get(action_id) or super().action(action_id)

    def review_id(self, recommendation_id):
        return self._review_ids.get(recommendation_id)

    def review_title(self, review_id):
        return self._review_titles.get(review_id)

    def names(self, related_model, ids) -> dict:
        known = self._names.get(related_model)
        if known is None:
            return super().names(related_model, ids)
        return {pk: known[pk] for pk in ids if pk in known}


LIVE = Lookups()


def _about(model_name: str, row, lookups: Lookups = LIVE) -> dict:
    """Description and context of a record, from the values on its history row."""
    if model_name == "review":
        return {"description": f"Review “{row.title}”", "review_id": row.id}
    if model_name == "recommendation":
        return {
            "description": f"{lookups.review_title(row.review_id)} recommendation {row.number}",
            "review_id": row.review_id,
            "recommendation_id": row.id,
        }
    if model_name == "action":
        return {
            "description": f"Action “{row.title}”",
            "agency_id": row.agency_id,
            "review_id": lookups.review_id(row.recommendation_id),
            "recommendation_id": row.recommendation_id,
            "action_id": row.id,
        }
    if model_name in ACTION_CHILDREN:
        action = lookups.action(row.action_id)
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


@functools.cache
def link_accessors(history_model) -> dict[str, str]:
    """For each many-to-many field a history row keeps, the name of its rows of links.

    These reverse relations, unlike the history model's own attribute for the
    field, can be prefetched.
    """
    accessors = {}
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        link_model = getattr(history_model, m2m_field.name).model
        for relation in history_model._meta.related_objects:
            if relation.related_model is link_model:
                accessors[m2m_field.name] = relation.get_accessor_name()
    return accessors


def _linked_ids(history_row, m2m_field) -> set:
    if history_row is None:
        return set()
    column = f"{m2m_field.m2m_reverse_field_name()}_id"
    links = getattr(history_row, link_accessors(type(history_row))[m2m_field.name]).all()
    return {getattr(link, column) for link in links}


def _m2m_changes(history_model, previous, row, lookups: Lookups) -> list[FieldChange]:
    """Changes to many-to-many links (themes, owning agencies), as lists of names."""
    changes = []
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        before, after = _linked_ids(previous, m2m_field), _linked_ids(row, m2m_field)
        if before == after:
            continue
        names = lookups.names(m2m_field.related_model, before | after)

        def listed(ids, names=names):
            return ", ".join(sorted(names.get(pk, f"#{pk}") for pk in ids)) or EMPTY

        label = str(m2m_field.verbose_name).capitalize()
        changes.append(FieldChange(label, listed(before), listed(after)))
    return changes


def facts_for_history(row, lookups: Lookups = LIVE) -> Facts:
    """The audit facts of one history row: what, about what, and what changed."""
    history_model = type(row)
    model = history_model.instance_type
    previous = lookups.previous(history_model, row)
    changes = field_changes(history_model, previous, row, names=lookups.names) + _m2m_changes(
        history_model, previous, row, lookups
    )
    model_name = model._meta.model_name
    return Facts(
        record_type=model_name,
        object_id=row.id,
        change=HISTORY_CHANGES[row.history_type],
        reason=row.history_change_reason or "",
        changes=[[c.label, c.before, c.after] for c in changes],
        **_about(model_name, row, lookups),
    )


# What a refusal of someone who may not be signed in says, before who and where from.
SIGN_IN_REFUSALS = {
    AccessEvent.Kind.SIGN_IN_FAILED: "Sign-in failed",
    AccessEvent.Kind.LOCKED_OUT: "Sign-in refused: locked out after repeated failures",
    AccessEvent.Kind.CSRF_FAILURE: "Form refused: its security token was missing or wrong",
}


def _account(event: AccessEvent) -> str:
    """For a sign-in refusal: which account was tried, as its username."""
    if event.object_type != "user":
        return ""
    User = apps.get_model("sscp", "User")
    username = User.objects.filter(pk=event.object_id).values_list("username", flat=True).first()
    return f" for “{username}”" if username else ""


def _refusal_facts(event: AccessEvent) -> Facts:
    if event.kind == AccessEvent.Kind.REFUSALS_COUNTED:
        description = event.detail
    elif event.kind in SIGN_IN_REFUSALS:
        where = event.ip_address or "an unknown address"
        description = (
            f"{SIGN_IN_REFUSALS[event.kind]}{_account(event)}: {event.method} {event.path} "
            f"from {where}"
        )
    else:
        description = f"{event.method} {event.path} ({event.status_code})"
    return Facts(
        record_type=RecordType.REQUEST,
        object_id=event.object_id,
        change=Change.REFUSED,
        description=description[:300],
        reason="" if event.kind == AccessEvent.Kind.REFUSALS_COUNTED else event.detail,
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
    return _refusal_facts(event)
