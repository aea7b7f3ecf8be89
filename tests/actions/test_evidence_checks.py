"""An evidence file is accepted only when its content and its extension agree."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from actions.evidence import clean_file_name, inspect_upload
from tests.files import ACCEPTED, REFUSED, upload


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_every_allowed_kind_of_file_is_accepted(name):
    content = ACCEPTED[name]
    facts = inspect_upload(upload(name, content))
    assert facts.display_name == name
    assert facts.size == len(content)
    assert facts.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_disguised_or_damaged_file_is_refused_with_a_message(case):
    name, content = REFUSED[case]
    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload(name, content))
    assert refused.value.messages[0].startswith(("The selected file", "The file must be"))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="The selected file is empty"):
        inspect_upload(upload("report.pdf", b""))


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    content = ACCEPTED["report.pdf"] + b"\n" * 1000
    with pytest.raises(ValidationError, match="must be smaller than 1000"):
        inspect_upload(upload("report.pdf", content))


def test_an_unreadable_file_is_refused():
    class Unreadable:
        name, size = "report.pdf", 100

        def seek(self, position):
            raise OSError("disk gone")

    with pytest.raises(ValidationError, match="could not be read"):
        inspect_upload(Unreadable())


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\lead\\report.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # the right-to-left override is removed
        ("a\x00b.pdf", "ab.pdf"),
        ('what?<script>"x".pdf', "what__script__x_.pdf"),
        ("   .hidden.pdf  ", "hidden.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("", "evidence"),
        ("....", "evidence"),
    ],
)
def test_file_names_are_cleaned_for_display_and_download(given, shown):
    assert clean_file_name(given) == shown
