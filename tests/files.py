"""Small real files of every kind the evidence upload accepts, and some it must refuse."""

import functools
import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

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


def pdf(pages: int = 1) -> bytes:
    """A real PDF, as pypdf writes it: a cross-reference table and `pages` blank pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
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
# An email as mail programs save it: its body is HTML. Accepted, because evidence is
# only ever downloaded as an attachment, with nosniff and a sandboxing CSP.
HTML_EMAIL = (
    b"From: Lead <lead@example.org>\nTo: SILG <silg@example.org>\nSubject: Briefing\n"
    b"Date: Mon, 1 Mar 2021 09:00:00 +0000\nMIME-Version: 1.0\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    b"<html><body><p>The briefing went to 40 staff.</p></body></html>\n"
)
# Text long enough to be read in several chunks, so that what follows it is checked
# far from the start of the file.
LONG_CSV = b"team,trained\n" + b"response,104\n" * 20_000

ACCEPTED = {
    "report.pdf": pdf(),
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
    "briefing.eml": HTML_EMAIL,
    "long-records.csv": LONG_CSV,
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
    # Issue 15, item 10: what the checks used to let through.
    "txt with html on its second line": (
        "minutes.txt",
        b"Minutes of the SILG\n<script>alert(document.cookie)</script>\n",
    ),
    "csv with an iframe far into it": ("records.csv", LONG_CSV + b'<iframe src="//x.example">'),
    "csv with an svg": ("records.csv", b"a,b\n1,<svg onload=alert(1)>\n"),
    "txt with a meta refresh": (
        "notes.txt",
        b'Notes\n<meta http-equiv="refresh" content="0;url=//x.example">\n',
    ),
    "txt with an event handler": ("notes.txt", b"Notes\n<div onmouseover=alert(1)>hi</div>\n"),
    "txt with a javascript link": ("notes.txt", b"Notes\n<a href=javascript:alert(1)>hi</a>\n"),
    "pdf header then html": (
        "report.pdf",
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
    ),
    "pdf without a cross-reference table": ("report.pdf", PDF_BYTES),
    "pdf with no pages": ("report.pdf", pdf(pages=0)),
    "email with no sender": ("message.eml", b"Subject: Hello\r\n\r\nBody\r\n"),
    "email whose first line is not a header": (
        "message.eml",
        b"Dear all,\nFrom: Lead <lead@example.org>\nSubject: x\n\nBody\n",
    ),
}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_bomb(width: int = 9400, height: int = 9400) -> bytes:
    """A small PNG of one colour whose pixels, decoded, fill width × height × 3 bytes
    (265 MB for the 9400 × 9400 of issue 15). Written a row at a time, so that making
    it never holds the pixels."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)  # filter type 0, then black RGB pixels
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def docx_bomb(inflated_bytes: int = 245 * 1024 * 1024) -> bytes:
    """A Word package of a few hundred KB whose [Content_Types].xml unzips to
    `inflated_bytes` (245 MB, as in issue 15). Written in chunks, never whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("[Content_Types].xml", "w") as part:
            part.write(b'<?xml version="1.0"?><Types>')
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_bytes // len(chunk)):
                part.write(chunk)
            part.write(b"</Types>")
        archive.writestr("word/document.xml", b"<?xml version='1.0'?><document/>")
    return buffer.getvalue()


def understated_zip(main_part: str, *, real_bytes: int, declared_bytes: int) -> bytes:
    """A Word package whose directory says its main part unzips to `declared_bytes`,
    when it really unzips to `real_bytes`: a bomb that lies about its size."""
    content = ooxml(main_part)
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.xml", b"<x/>" + b" " * real_bytes)
    data = bytearray(buffer.getvalue())
    real = struct.pack("<I", real_bytes + 4)
    declared = struct.pack("<I", declared_bytes)
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = data.rfind(signature)
        assert data[start + offset : start + offset + 4] == real
        data[start + offset : start + offset + 4] = declared
    return bytes(data)
