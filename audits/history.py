"""
How tracked models keep their history.

Every tracked model declares `history = TrackedHistory(...)`, and every service
saves through `save_tracked`, which puts the acting user and the reason on the
history row. Outside a web request (Celery tasks, management commands) the
acting user comes from `acting_as`.
"""

import contextvars
from contextlib import contextmanager

from simple_history.models import HistoricalRecords

_acting_user = contextvars.ContextVar("acting_user", default=None)


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
    return user


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


def save_tracked(instance, *, actor, reason: str = "", m2m: dict | None = None):
    """Save a tracked model instance with who and why on its history row.

    With `m2m`, the many-to-many fields named are set too, and the record and its
    links share a single history row.
    """
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
        del instance._history_user
        del instance._change_reason
