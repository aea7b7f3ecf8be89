"""Small real files of every kind the evidence upload accepts, and some it must refuse."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.makers import PDF_BYTES


def _zip(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries.pop(stored_first))
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main_part: str, *, macros: bool = False) -> bytes:
    content_type = b"application/vnd.ms-word.document.macroEnabled.main+xml" if macros else b"x"
    entries = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types><Override ContentType="'
        + content_type
        + b'"/></Types>',
        main_part: b"<?xml version='1.0'?><document/>",
    }
    if macros:
        entries["word/vbaProject.bin"] = b"\x00" * 16
    return _zip(entries)


def odf(mimetype: str) -> bytes:
    return _zip(
        {"mimetype": mimetype.encode(), "content.xml": b"<?xml version='1.0'?><office/>"},
        stored_first="mimetype",
    )


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format=kind)
    return buffer.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Training records"
    workbook.save(buffer)
    return buffer.getvalue()


EMAIL = (
    b"From: Lead <lead@example.org>\r\nTo: SILG <silg@example.org>\r\n"
    b"Subject: Training figures\r\nDate: Mon, 1 Mar 2021 09:00:00 +0000\r\n\r\nAttached.\r\n"
)

ACCEPTED = {
    "report.pdf": PDF_BYTES,
    "plan.docx": ooxml("word/document.xml"),
    "figures.xlsx": xlsx(),
    "slides.pptx": ooxml("ppt/presentation.xml"),
    "notes.odt": odf("application/vnd.oasis.opendocument.text"),
    "sheet.ods": odf("application/vnd.oasis.opendocument.spreadsheet"),
    "chart.png": image("PNG"),
    "photo.jpg": image("JPEG"),
    "photo.jpeg": image("JPEG"),
    "minutes.txt": "Minutes of the SILG, 4 June 2021 — agreed.".encode(),
    "records.csv": b"team,trained\nresponse,104\n",
    "message.eml": EMAIL,
}

REFUSED = {
    "png header then html": (
        "chart.png",
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    ),
    "any zip posing as docx": ("plan.docx", _zip({"hello.txt": b"hello"})),
    "xlsx posing as docx": ("plan.docx", xlsx()),
    "macro-enabled docx": ("plan.docx", ooxml("word/document.xml", macros=True)),
    "exe named pdf": ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    "html named txt": ("minutes.txt", b"<!DOCTYPE html><html><body onload=x()>"),
    "binary named csv": ("records.csv", b"a,b\n\x00\x01\x02"),
    "truncated pdf": ("report.pdf", b"%PDF-1.4\n1 0 obj\n"),
    "jpeg named png": ("chart.png", image("JPEG")),
    "odt with wrong mimetype": ("notes.odt", odf("application/zip")),
    "not an email": ("message.eml", b"just some words\n"),
    "executable extension": ("run.exe", b"MZ\x90\x00"),
    "html file": ("page.html", b"<html></html>"),
    "no extension": ("README", b"hello"),
}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
