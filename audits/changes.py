"""
Readable change lists built from django-simple-history records.

Each history row is compared with the previous row of the same object, field by
field, and every value is shown as a person would say it: choices by their
labels, related records by name, dates in the GOV.UK style.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone

EMPTY = "(none)"
HISTORY_TYPE_VERBS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    when: datetime.datetime
    who: object
    verb: str
    subject: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    history_id: int | None = None


def tracked_fields(model) -> list[models.Field]:
    """The fields of `model` whose changes are worth showing."""
    skip = {"id", "password", "last_login"}
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in skip and not getattr(f, "auto_now_add", False)
    ]


def _related_names(model, rows) -> dict[tuple[type, object], str]:
    """Look up the display names of every related record the rows mention, one query per model."""
    wanted = defaultdict(set)
    for f in tracked_fields(model):
        if f.is_relation:
            for row in rows:
                value = getattr(row, f.attname)
                if value is not None:
                    wanted[f.related_model].add(value)
    names = {}
    for related_model, ids in wanted.items():
        for obj in related_model._default_manager.filter(pk__in=ids):
            names[(related_model, obj.pk)] = str(obj)
    return names


def display_value(f: models.Field, row, names) -> str:
    value = getattr(row, f.attname)
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        return names.get((f.related_model, value), f"#{value} (removed)")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(f, models.FileField):
        return "(file stored)"
    return str(value)


def field_changes(model, previous, row, names) -> list[FieldChange]:
    changes = []
    for f in tracked_fields(model):
        after = display_value(f, row, names)
        before = display_value(f, previous, names) if previous is not None else EMPTY
        if before != after:
            changes.append(FieldChange(str(f.verbose_name).capitalize(), before, after))
    return changes


def entries_for(model, history_rows, describe=None) -> list[TimelineEntry]:
    """Turn the history rows of one model into timeline entries, oldest first.

    `history_rows` may hold rows of many objects of that model; each row is
    compared with the one before it for the same object.
    """
    describe = describe or (lambda row: f"the {model._meta.verbose_name}")
    rows = sorted(history_rows, key=lambda r: (r.history_date, r.history_id))
    names = _related_names(model, rows)
    previous_by_object = {}
    entries = []
    for row in rows:
        previous = previous_by_object.get(row.id)
        entries.append(
            TimelineEntry(
                when=row.history_date,
                who=row.history_user,
                verb=HISTORY_TYPE_VERBS[row.history_type],
                subject=describe(row),
                reason=row.history_change_reason or "",
                changes=field_changes(model, previous, row, names),
                history_id=row.history_id,
            )
        )
        previous_by_object[row.id] = row
    return entries
