"""
How tracked models keep their history.

Every tracked model declares `history = TrackedHistory(...)` and a manager built
on `TrackedQuerySet`, and every service saves through `save_tracked`, which puts
the acting user and the reason on the history row. The acting user is the person
making the web request; a management command's `--user`, or whoever `acting_as`
names; and otherwise the named system user, so no history row is anonymous.
"""

import contextvars
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import models
from simple_history.models import HistoricalRecords

SYSTEM_USERNAME = "system"

_acting_user = contextvars.ContextVar("acting_user", default=None)


class HistoryRequired(TypeError):
    """A change to tracked records that would leave no history row."""


class TrackedQuerySet(models.QuerySet):
    """Querysets of tracked models refuse bulk changes, which would bypass the history.

    Change records one at a time through a service (`save_tracked`), so that each
    change gets its history row, its acting user and its reason.
    """

    def _refuse(self, what):
        raise HistoryRequired(
            f"{what} on {self.model.__name__} would change records without history rows; "
            "save each one through a service instead"
        )

    def update(self, **kwargs):
        # Fields the history leaves out (kept counts, say) have no history row to miss.
        recorder = TrackedHistory.recorders.get(self.model)
        if recorder is not None and set(kwargs) <= set(recorder.excluded_fields):
            return super().update(**kwargs)
        self._refuse("update()")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("bulk_update()")

    def delete(self):
        self._refuse("delete()")

    def update_or_create(self, *args, **kwargs):
        self._refuse("update_or_create()")


def system_user():
    """The named user that automatic changes are recorded against (created by a migration)."""
    return get_user_model().objects.filter(username=SYSTEM_USERNAME).first()


@contextmanager
def acting_as(user):
    """Record `user` as the author of every history row written inside the block."""
    token = _acting_user.set(user)
    try:
        yield user
    finally:
        _acting_user.reset(token)


def get_history_user(request=None, **kwargs):
    user = _acting_user.get()
    if user is None and request is not None:
        user = request.user
    return user if user is not None else system_user()


class TrackedHistory(HistoricalRecords):
    """django-simple-history's HistoricalRecords, remembered per model.

    simple-history writes one history row per many-to-many change. Services that
    change a record and its links together want one row for the whole change, so
    they need the recorder itself, which simple-history does not keep.
    """

    recorders: dict[type, "TrackedHistory"] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("get_user", get_history_user)
        super().__init__(*args, **kwargs)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            TrackedHistory.recorders[sender] = self


def with_confirmation(reason: str, confirmed) -> str:
    """A history reason with what the person confirmed they meant (a due date in the
    past, say), when a form asked them to."""
    if not confirmed:
        return reason
    return f"{reason} (confirmed: {' '.join(confirmed)})"


def save_tracked(instance, *, actor, reason: str = "", m2m: dict | None = None):
    """Save a tracked model instance with who and why on its history row.

    With `m2m`, the many-to-many fields named are set too, and the record and its
    links share a single history row.
    """
    if actor is not None:
        instance._history_user = actor
    instance._change_reason = reason or None
    try:
        if not m2m:
            instance.save()
            return instance
        created = instance._state.adding
        instance.skip_history_when_saving = True
        try:
            instance.save()
            for name, values in m2m.items():
                getattr(instance, name).set(values)
        finally:
            del instance.skip_history_when_saving
        recorder = TrackedHistory.recorders[type(instance)]
        recorder.create_historical_record(instance, "+" if created else "~")
        return instance
    finally:
        instance.__dict__.pop("_history_user", None)
        del instance._change_reason
