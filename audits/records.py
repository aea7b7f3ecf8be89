"""
What each audit record says: the facts drawn from a history row or an access event.

For a history row: what kind of record it is, which agency, review,
recommendation and action it concerns, a description in words, and what
changed field by field since the previous row of the same record — with human
labels, related records by name and statuses by their display names.
"""

import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from audits.changes import EMPTY, FieldChange, field_changes, names_from_database
from audits.history import TrackedHistory
from audits.models import AccessEvent, AuditRecord

RecordType = AuditRecord.RecordType
Change = AuditRecord.Change

HISTORY_CHANGES = {"+": Change.CREATED, "~": Change.CHANGED, "-": Change.DELETED}


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
    partnership_id: int | None = None


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

    def values(self, model, pk, fields: tuple[str, ...]) -> dict | None:
        """Some values of one record (`fields` may follow relations), or None if it is gone."""
        return model._default_manager.filter(pk=pk).values(*fields).first()

    def names(self, related_model, ids) -> dict:
        """The display names of some records of one model, by primary key."""
        return names_from_database(related_model, ids)


class PreloadedLookups(Lookups):
    """Lookups answered from memory: for sealing rows written in bulk.

    The first time a model's values or names are asked for, every row of that
    model is loaded at once (one query per model and set of fields), and later
    questions are answered from memory. Rows must be described in (record id,
    history id) order for each history model, so that the previous row of a
    record is the one described just before.
    """

    def __init__(self):
        self._values: dict[tuple, dict] = {}
        self._names: dict[type, dict] = {}
        self._last = None

    def previous(self, history_model, row):
        last, self._last = self._last, row
        if type(last) is history_model and last.id == row.id and last.history_id < row.history_id:
            return last
        return None

    def values(self, model, pk, fields):
        key = (model, fields)
        if key not in self._values:
            rows = model._default_manager.values("pk", *fields).iterator(chunk_size=5000)
            self._values[key] = {row.pop("pk"): row for row in rows}
        return self._values[key].get(pk)

    def names(self, related_model, ids) -> dict:
        if related_model not in self._names:
            rows = related_model._default_manager.all().iterator(chunk_size=5000)
            self._names[related_model] = {obj.pk: str(obj) for obj in rows}
        known = self._names[related_model]
        return {pk: known[pk] for pk in ids if pk in known}


LIVE = Lookups()


def about(model, row, lookups: Lookups = LIVE) -> dict:
    """What an audit record of `row` (a history row, or the record itself) says it is about.

    The kernel knows no model of the domain: a tracked model says how it is described
    with `audit_about(row, lookups)`, returning a description and the ids it concerns
    (partnership_id, agency_id, review_id, recommendation_id, action_id). A model without one is
    described by its name.
    """
    describe = getattr(model, "audit_about", None)
    if describe is not None:
        return describe(row, lookups)
    return {"description": f"{model._meta.verbose_name.capitalize()} #{row.id}"}


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
        **about(model, row, lookups),
    )


# What a refusal of someone who may not be signed in says, before who and where from.
SIGN_IN_REFUSALS = {
    AccessEvent.Kind.SIGN_IN_FAILED: "Sign-in failed",
    AccessEvent.Kind.LOCKED_OUT: "Sign-in refused: locked out after repeated failures",
    AccessEvent.Kind.CSRF_FAILURE: "Form refused: its security token was missing or wrong",
}


def _account(event: AccessEvent) -> str:
    """For a sign-in refusal: which account was tried, as its username."""
    User = get_user_model()
    if event.object_type != User._meta.model_name:
        return ""
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
        partnership_id=event.partnership_id,
    )


def facts_for_event(event: AccessEvent) -> Facts:
    if event.kind == AccessEvent.Kind.DOWNLOAD:
        model = tracked_model(event.object_type)
        downloaded = model._default_manager.get(pk=event.object_id)
        return Facts(
            record_type=event.object_type,
            object_id=downloaded.pk,
            change=Change.DOWNLOADED,
            reason=event.detail,
            **about(model, downloaded),
        )
    return _refusal_facts(event)


def tracked_model(model_name: str):
    """The tracked model of that name (an access event records only the name)."""
    return next(m for m in TrackedHistory.recorders if m._meta.model_name == model_name)
