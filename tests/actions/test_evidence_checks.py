"""An evidence file is accepted only when its content and its extension agree."""

import hashlib
import io
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfWriter

from actions.evidence import CHUNK_BYTES, clean_file_name, inspect_upload
from tests.files import ACCEPTED, REFUSED, docx_bomb, png_bomb, understated_zip, upload


def image_of(kind: str, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format=kind)
    return buffer.getvalue()


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


# Issue 15, items 9 and 10 -------------------------------------------------------------

MEMORY_BOUND = 50 * 1024 * 1024


def inspect_measured(upload_file):
    """inspect_upload, and the peak of memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        try:
            return inspect_upload(upload_file), tracemalloc.get_traced_memory()[1]
        except ValidationError as error:
            return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_image_bomb_is_refused_from_its_header_without_decoding_it():
    """Issue 15, item 9: a 343 KB PNG of 9400 × 9400 pixels (265 MB decoded) is refused
    for its size in pixels, read from its header, in bounded memory."""
    bomb = png_bomb()
    assert len(bomb) < 1024 * 1024
    refused, peak = inspect_measured(upload("chart.png", bomb))
    assert isinstance(refused, ValidationError)
    assert refused.messages == [
        "The selected image must be smaller than 40 megapixels (its width times its height)"
    ]
    assert peak < MEMORY_BOUND


def test_an_image_at_the_pixel_limit_is_accepted_and_one_over_is_refused(settings):
    """Issue 15, item 9: EVIDENCE_MAX_IMAGE_PIXELS is the limit, for PNG and JPEG alike."""
    settings.EVIDENCE_MAX_IMAGE_PIXELS = 40 * 30
    for kind, name in (("PNG", "chart.png"), ("JPEG", "photo.jpg")):
        assert inspect_upload(upload(name, image_of(kind, 40, 30))).display_name == name
        with pytest.raises(ValidationError, match="smaller than 0.0012 megapixels"):
            inspect_upload(upload(name, image_of(kind, 41, 30)))


def test_a_word_package_bomb_is_refused_without_unzipping_it():
    """Issue 15, item 9: a DOCX of a few hundred KB whose [Content_Types].xml unzips to
    245 MB is refused from the sizes in its directory, in bounded memory."""
    bomb = docx_bomb()
    assert len(bomb) < 1024 * 1024
    refused, peak = inspect_measured(upload("plan.docx", bomb))
    assert isinstance(refused, ValidationError)
    assert refused.messages == [
        "The selected file is too big when opened: it must unpack to less than 100 MB"
    ]
    assert peak < MEMORY_BOUND


def test_a_package_that_unzips_far_more_than_documents_do_is_refused(settings):
    """Issue 15, item 9: within EVIDENCE_MAX_INFLATED_BYTES, a part that unzips to over
    100 times its packed size is still refused."""
    bomb = docx_bomb(inflated_bytes=20 * 1024 * 1024)
    with pytest.raises(ValidationError, match="too big when opened"):
        inspect_upload(upload("plan.docx", bomb))


def test_a_package_that_understates_a_parts_size_is_refused_in_bounded_memory():
    """Issue 15, item 9: a part whose directory says 1 KB but holds 60 MB is never
    unzipped past what it declared: its checksum fails, and it is refused."""
    lying = understated_zip("word/document.xml", real_bytes=60 * 1024 * 1024, declared_bytes=1024)
    refused, peak = inspect_measured(upload("plan.docx", lying))
    assert isinstance(refused, ValidationError)
    assert "is not a real DOCX file" in refused.messages[0]
    assert peak < MEMORY_BOUND


def test_a_large_file_is_fingerprinted_and_checked_in_chunks():
    """Issue 15, item 9: hashing and checking a 15 MB file never holds a copy of it."""
    content = b"team,trained\n" + b"response,104\n" * (15 * 1024 * 1024 // 13)
    facts, peak = inspect_measured(upload("records.csv", content))
    assert facts.sha256 == hashlib.sha256(content).hexdigest()
    assert peak < 2 * 1024 * 1024


def test_markup_split_across_two_chunks_is_still_found():
    """Issue 15, item 10: the HTML check reads in chunks, and keeps the end of each."""
    content = b"a" * (CHUNK_BYTES - 3) + b"<script>alert(1)</script>"
    with pytest.raises(ValidationError, match="not a real TXT file"):
        inspect_upload(upload("notes.txt", content))


def test_windows_text_is_accepted_wherever_its_first_accented_letter_is():
    """Issue 15, item 10: UTF-8 is tried first; text that is not (Windows-1252) is read again."""
    content = b"Minutes\n" * 20_000 + "Café".encode("cp1252")
    assert inspect_upload(upload("minutes.txt", content)).size == len(content)


def test_a_password_protected_pdf_is_refused_saying_so():
    """Issue 15, item 10: a PDF the checks cannot open is refused, with the reason."""
    writer = PdfWriter(clone_from=io.BytesIO(ACCEPTED["report.pdf"]))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ValidationError, match="protected with a password"):
        inspect_upload(upload("report.pdf", buffer.getvalue()))


def test_a_pdf_with_a_loop_in_its_page_tree_is_refused_quickly():
    """Issue 15, item 10: the page check follows one branch, a bounded number of steps."""
    looped = ACCEPTED["report.pdf"].replace(b"/Kids [ 4 0 R ]", b"/Kids [ 2 0 R ]")
    assert looped != ACCEPTED["report.pdf"]
    with pytest.raises(ValidationError, match="not a real PDF file"):
        inspect_upload(upload("report.pdf", looped))
