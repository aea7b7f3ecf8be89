"""
What changed between two history rows of a record, in words.

Field by field, every value as a person would say it: choices by their labels,
related records by name, dates in the GOV.UK style.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone

EMPTY = "(none)"
# Fields that hold a number of bytes, shown as "10.7 KB" rather than "10971".
SIZES = {"size"}


def field_label(f) -> str:
    """A field's name as a person reads it: its verbose name, first letter capitalised
    ("SHA-256 fingerprint", not str.capitalize's "Sha-256 fingerprint")."""
    label = str(f.verbose_name)
    return label[:1].upper() + label[1:]


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


def tracked_fields(history_model) -> list[models.Field]:
    """The fields a history model keeps whose changes are worth showing."""
    return [
        f
        for f in history_model.tracked_fields
        if f.name != "id" and not getattr(f, "auto_now_add", False)
    ]


def _value(row, f):
    return getattr(row, f.attname) if row is not None else None


def changed_fields(history_model, previous, row) -> list[models.Field]:
    """The tracked fields whose stored values differ between two history rows."""
    return [f for f in tracked_fields(history_model) if _value(previous, f) != _value(row, f)]


def names_from_database(related_model, ids) -> dict:
    return {obj.pk: str(obj) for obj in related_model._default_manager.filter(pk__in=ids)}


def related_names(fields, rows, names=names_from_database) -> dict[tuple[type, object], str]:
    """The display names of the records these relation fields point to, one look-up per model.

    `names(model, ids)` finds them: by default one query per model.
    """
    wanted = defaultdict(set)
    for f in fields:
        if f.is_relation:
            wanted[f.related_model].update(
                value for row in rows if (value := _value(row, f)) is not None
            )
    found = {}
    for related_model, ids in wanted.items():
        for pk, name in names(related_model, ids).items():
            found[(related_model, pk)] = name
    return found


def display_value(f: models.Field, row, names) -> str:
    value = _value(row, f)
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
    if f.name in SIZES:
        return filesizeformat(value)
    return str(value)


def field_changes(history_model, previous, row, names=names_from_database) -> list[FieldChange]:
    """What changed from `previous` (None for a new record) to `row`, in words."""
    fields = changed_fields(history_model, previous, row)
    names = related_names(fields, [r for r in (previous, row) if r is not None], names)
    changes = []
    for f in fields:
        before, after = display_value(f, previous, names), display_value(f, row, names)
        if before != after:
            changes.append(FieldChange(field_label(f), before, after))
    return changes
