"""
Checking an uploaded evidence file before anything is stored.

A file is accepted only when its extension is on the list *and* its content is
that kind of file: a PDF must be a PDF, a DOCX must be a Word package and not any
ZIP, a PNG must decode as a PNG. The name the person gave is cleaned for display
and download; it is never used as a storage path.
"""

import email.parser
import email.policy
import hashlib
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000

OOXML_MAIN_PART = {
    ".docx": "word/document.xml",
    ".xlsx": "xl/workbook.xml",
    ".pptx": "ppt/presentation.xml",
}
ODF_MIMETYPE = {
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": ODF_MIMETYPE[".odt"],
    ".ods": ODF_MIMETYPE[".ods"],
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".eml": "message/rfc822",
}
ALLOWED_DESCRIPTION = (
    "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), ODT, ODS, PNG, JPEG, TXT, CSV or EML"
)
HTML_START = re.compile(rb"^\s*<(!doctype|html|head|body|script|svg|iframe|\?xml)", re.IGNORECASE)


@dataclass(frozen=True)
class InspectedUpload:
    display_name: str
    content_type: str
    size: int
    sha256: str


class NotThatKind(Exception):
    """The content does not match the kind of file the extension claims."""


def clean_file_name(name: str) -> str:
    """A file name that is safe to show and to offer for download.

    Directories, control and formatting characters (including right-to-left
    overrides), and characters that mean something to file systems are removed;
    the name is shortened to MAX_NAME_LENGTH, keeping its extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    name = re.sub(r'[<>:"/\\|?*]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    path = PurePosixPath(name or "evidence")
    suffix = path.suffix.lower() if len(path.suffix) <= 6 else ""
    stem = (path.stem if suffix else name)[: MAX_NAME_LENGTH - len(suffix)].strip(
        " ."
    ) or "evidence"
    return stem + suffix


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _check_pdf(data: bytes, suffix: str) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise NotThatKind


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise NotThatKind from error
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        raise NotThatKind
    if archive.testzip() is not None:
        raise NotThatKind
    return archive


def _check_ooxml(data: bytes, suffix: str) -> None:
    archive = _open_zip(data)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[suffix] not in names:
        raise NotThatKind
    content_types = archive.read("[Content_Types].xml").lower()
    if b"macroenabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise NotThatKind


def _check_odf(data: bytes, suffix: str) -> None:
    archive = _open_zip(data)
    first = archive.infolist()[0] if archive.infolist() else None
    if first is None or first.filename != "mimetype":
        raise NotThatKind
    if archive.read("mimetype").strip() != ODF_MIMETYPE[suffix].encode():
        raise NotThatKind


def _check_image(data: bytes, suffix: str) -> None:
    expected = "PNG" if suffix == ".png" else "JPEG"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise NotThatKind
                image.load()
        except NotThatKind:
            raise
        except Exception as error:  # Pillow raises many kinds for a broken image
            raise NotThatKind from error


def _decode_text(data: bytes) -> str:
    if b"\x00" in data:
        raise NotThatKind
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NotThatKind


def _check_text(data: bytes, suffix: str) -> None:
    _decode_text(data)
    if HTML_START.match(data.removeprefix(b"\xef\xbb\xbf")):
        raise NotThatKind


def _check_email(data: bytes, suffix: str) -> None:
    _check_text(data, suffix)
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        data, headersonly=True
    )
    if not message["From"] or not (message["Date"] or message["Subject"]):
        raise NotThatKind


CHECKS = {
    ".pdf": _check_pdf,
    ".docx": _check_ooxml,
    ".xlsx": _check_ooxml,
    ".pptx": _check_ooxml,
    ".odt": _check_odf,
    ".ods": _check_odf,
    ".png": _check_image,
    ".jpg": _check_image,
    ".jpeg": _check_image,
    ".txt": _check_text,
    ".csv": _check_text,
    ".eml": _check_email,
}


def inspect_upload(upload) -> InspectedUpload:
    """Check an uploaded file and describe it, or raise ValidationError saying why not."""
    display_name = clean_file_name(getattr(upload, "name", ""))
    suffix = PurePosixPath(display_name).suffix.lower()
    if suffix not in CHECKS:
        raise ValidationError(f"The file must be a {ALLOWED_DESCRIPTION}", code="file_type")
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The selected file is empty", code="empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            f"The selected file must be smaller than {filesizeformat(settings.EVIDENCE_MAX_BYTES)}",
            code="too_big",
        )
    try:
        data = _read_all(upload)
    except OSError as error:
        raise ValidationError("The selected file could not be read", code="unreadable") from error
    try:
        CHECKS[suffix](data, suffix)
    except NotThatKind as error:
        raise ValidationError(
            f"The selected file is not a real {suffix[1:].upper()} file, or it is damaged. "
            f"It must be a {ALLOWED_DESCRIPTION}",
            code="content_mismatch",
        ) from error
    scan_for_malware(data)
    return InspectedUpload(
        display_name=display_name,
        content_type=CONTENT_TYPES[suffix],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


STORAGE_FAILED = "The file could not be stored just now, so nothing has been saved. Try again later"


def store_file(evidence, upload) -> None:
    """Write an upload to evidence storage as `evidence.file`, or raise ValidationError.

    If the write fails part way (a full disk, a lost connection), whatever it left
    under the file's name is removed, so no fragment outlives a failed upload.
    """
    upload.seek(0)
    try:
        evidence.file.save(evidence.original_name, upload, save=False)
    except OSError as error:
        logger.error("Evidence storage failed: %s", error)
        raise ValidationError(STORAGE_FAILED, code="storage") from error


def remove_stored_files(stored) -> None:
    """Remove the files of an upload that is not being saved; a failure here is only logged."""
    for evidence in stored:
        try:
            evidence.file.storage.delete(evidence.file.name)
        except OSError:
            logger.exception("Could not remove %s after a failed upload", evidence.file.name)


SCANNER_DOWN = (
    "Files cannot be checked for viruses just now, so none can be uploaded. "
    "Nothing has been saved: try again later"
)


def malware_scanner():
    """The clamd the settings name, or None when no scanner is configured."""
    if settings.CLAMD_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=settings.CLAMD_TIMEOUT)
    if settings.CLAMD_HOST:
        return ClamdNetworkSocket(
            host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=settings.CLAMD_TIMEOUT
        )
    return None


def scan_for_malware(data: bytes) -> None:
    """Refuse a file clamd finds infected. A scanner configured but unreachable refuses all:
    an upload is never let through unchecked."""
    scanner = malware_scanner()
    if scanner is None:
        return
    try:
        status, signature = scanner.instream(io.BytesIO(data)).get("stream", ("ERROR", None))
    except (ClamdError, OSError) as error:
        logger.error("The malware scanner could not be reached: %s", error)
        raise ValidationError(SCANNER_DOWN, code="scanner_unavailable") from error
    if status == "FOUND":
        logger.warning("An upload was refused: clamd found %s", signature)
        raise ValidationError(
            f"The selected file contains a virus ({signature}) and has not been uploaded",
            code="infected",
        )
    if status != "OK":
        logger.error("The malware scanner answered %s %s", status, signature)
        raise ValidationError(SCANNER_DOWN, code="scanner_unavailable")
