"""Uploading files: one or more from a single input, within the limits of the settings.

`UploadLimitHandler` comes first in FILE_UPLOAD_HANDLERS. Past EVIDENCE_MAX_FILES
files, or for a request of more than EVIDENCE_MAX_UPLOAD_BYTES bytes, it passes no
file on to the handlers that keep them (in memory, in temporary files): the rest of
the request is read and thrown away, a chunk at a time, so that the browser is
still listening for the page that says why. In place of each file it refused it
leaves a `RefusedUpload`, which says why in GOV.UK's words, and which
`MultipleFileField` (and the evidence check) turns into the form's error.

Django's own count (DATA_UPLOAD_MAX_NUMBER_FILES) would refuse with TooManyFilesSent
during the CSRF check, before any form exists, as a bare "400 Bad Request"; the
settings leave counting to this handler.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat

from audits.models import AccessEvent
from audits.services import access_record
from sscp.security import client_ip


def size_in_words(size: int) -> str:
    """A size as GOV.UK writes it in a message: "50 MB", "1.5 MB", "300 bytes"."""
    return filesizeformat(size).replace(".0\xa0", "\xa0").replace("\xa0", " ")


def too_many_files_message() -> str:
    return f"You can only select up to {settings.EVIDENCE_MAX_FILES} files at the same time"


def too_big_in_total_message() -> str:
    limit = size_in_words(settings.EVIDENCE_MAX_UPLOAD_BYTES)
    return f"The selected files must be smaller than {limit} in total"


class RefusedUpload(UploadedFile):
    """What stands in the request's files for a file the upload handler refused.

    It holds none of the file's content. Its size is the bytes received for it, so a
    plain FileField with a size check refuses it as too big.
    """

    def __init__(self, name, *, refusal: str, code: str, size: int = 0):
        super().__init__(file=None, name=name, size=size)
        self.refusal, self.code = refusal, code

    def open(self, mode=None):
        raise ValueError(self.refusal)

    def chunks(self, chunk_size=None):
        raise ValueError(self.refusal)

    def validation_error(self) -> ValidationError:
        return ValidationError(self.refusal, code=self.code)


class UploadLimitHandler(FileUploadHandler):
    """Counts the files and bytes of one request's upload, and refuses past the limits.

    1. Before the first file: a request longer than EVIDENCE_MAX_UPLOAD_BYTES is
       refused. Its declared length is enough: Django never reads past it.
    2. Each file: past EVIDENCE_MAX_FILES, or once refused, the file is not passed
       on (StopFutureHandlers) and a RefusedUpload stands in for it.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.files, self.refused, self.passing_on = 0, None, True

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.EVIDENCE_MAX_UPLOAD_BYTES:
            self.refused = ("too_big_in_total", too_big_in_total_message())

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        if self.refused is None and self.files > settings.EVIDENCE_MAX_FILES:
            self.refused = ("too_many_files", too_many_files_message())
        self.passing_on = self.refused is None
        if not self.passing_on:
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        return raw_data if self.passing_on else None

    def file_complete(self, file_size):
        if self.passing_on:
            return None  # the next handler keeps the file
        code, refusal = self.refused
        return RefusedUpload(self.file_name, refusal=refusal, code=code, size=file_size)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files from a single file input (Django's documented pattern).

    An upload refused while it was being read (too many files, too big in all) is
    refused here with the handler's message, before any file is looked at.
    """

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        items = list(data) if isinstance(data, list | tuple) else [data]
        if not items:
            items = [None]  # nothing chosen: the field's own "required" check says so
        for item in items:
            if isinstance(item, RefusedUpload):
                raise item.validation_error()
        single_clean = super().clean
        return [single_clean(item, initial) for item in items]


def download(request, stored) -> FileResponse:
    """A stored file (an action's evidence, an impact check's file) as an attachment no
    browser runs or guesses the kind of, never cached; its download on the record, with
    its fingerprint."""
    access_record(
        request,
        kind=AccessEvent.Kind.DOWNLOAD,
        status_code=200,
        ip_address=client_ip(request),
        obj=stored,
        detail=f"{stored.original_name} (SHA-256 {stored.sha256})",
    )
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
