"""Where uploaded files are kept: the storage named "evidence" in settings.STORAGES, for
an action's evidence and an impact check's files alike (docs/operations.md)."""

from pathlib import PurePosixPath

from django.core.files.storage import storages
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.functional import LazyObject


class EvidenceStorage(LazyObject):
    """The storage named "evidence" in settings.STORAGES, looked up when first used."""

    def _setup(self):
        self._wrapped = storages["evidence"]


evidence_files = EvidenceStorage()


def evidence_storage():
    # A callable, so migrations record a name rather than a storage; it returns the
    # lazy storage, so that a change of settings (a test, say) is followed.
    return evidence_files


def evidence_upload_to(instance, filename):
    """A random name, so that nothing about the file or the child is in the path."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"{timezone.now():%Y/%m}/{get_random_string(32)}{suffix}"
