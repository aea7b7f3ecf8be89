"""
Checking an uploaded evidence file before anything is stored, and storing it.

A file is accepted only when its extension is on the list *and* its content is
that kind of file (what each kind is checked for is in CHECKS, and in
SECURITY.md). Every check reads the upload as a stream, a chunk at a time, and
stops at a limit of the settings: no check holds a whole file, a whole unzipped
part or a whole decoded image in memory. The name the person gave is cleaned for
display and download; it is never used as a storage path.
"""

import codecs
import email.parser
import email.policy
import hashlib
import logging
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from clamav_client.clamd import ClamdError, ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfReader

from sscp.uploads import RefusedUpload, size_in_words

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 120
CHUNK_BYTES = 64 * 1024
MAX_ZIP_ENTRIES = 5000
# A part that unzips to more than this many times its packed size is a zip bomb, not
# a document: Word and Excel's XML packs about 5 to 20 times.
MAX_INFLATE_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_EMAIL_HEADER_BYTES = 256 * 1024
MAX_PAGE_TREE_DEPTH = 32

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
TEXT_ENCODINGS = ("utf-8-sig", "cp1252")
# Markup a browser would run or render as a page, anywhere in a text or CSV file.
ACTIVE_HTML = re.compile(
    r"<(?:script|html|head|body|iframe|frame|frameset|object|embed|applet|svg|math|meta|link"
    r"|base|form|style|img|video|audio|template)\b"
    r"|<!doctype\s+html|<\?xml"
    r"|<[a-z][a-z0-9-]{0,30}\s[^<>]{0,200}?(?:\bon[a-z]+\s*=|javascript:)",
    re.IGNORECASE,
)
ACTIVE_HTML_LONGEST = 300  # characters a match can span: kept from one chunk to the next
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")


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


def _rewound(upload):
    upload.seek(0)
    return upload


def _stream(upload):
    """The upload's bytes from the start, CHUNK_BYTES at a time."""
    _rewound(upload)
    while chunk := upload.read(CHUNK_BYTES):
        yield chunk


# PDF ---------------------------------------------------------------------------


def _check_pdf(upload, suffix: str) -> None:
    """It opens with pypdf's strict reader (a real cross-reference table, found from
    the end of the file, never rebuilt by scanning it) and has a page."""
    try:
        reader = PdfReader(_rewound(upload), strict=True)
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf raises many kinds for a broken file
        raise NotThatKind from error
    if encrypted and not _opens_without_password(reader):
        raise ValidationError(
            "The selected file is protected with a password. "
            "Remove the password and upload it again",
            code="password",
        )
    try:
        _first_page(reader.trailer["/Root"]["/Pages"])
    except Exception as error:
        raise NotThatKind from error


def _opens_without_password(reader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an encryption pypdf cannot open
        return False


def _first_page(node) -> None:
    # Down the first branch of the page tree only: a few objects read, however many
    # pages the document has, and a loop in the tree cannot hold the check.
    if int(node["/Count"]) < 1:
        raise NotThatKind
    for _ in range(MAX_PAGE_TREE_DEPTH):
        if node.get("/Type") == "/Page":
            return
        node = node["/Kids"][0].get_object()
    raise NotThatKind


# Word, Excel, PowerPoint and OpenDocument packages ------------------------------


def _inflates_too_far(entries) -> bool:
    if sum(entry.file_size for entry in entries) > settings.EVIDENCE_MAX_INFLATED_BYTES:
        return True
    return any(
        entry.file_size > RATIO_CHECKED_FROM_BYTES
        and entry.file_size > MAX_INFLATE_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )


def _too_big_unzipped() -> ValidationError:
    limit = size_in_words(settings.EVIDENCE_MAX_INFLATED_BYTES)
    return ValidationError(
        f"The selected file is too big when opened: it must unpack to less than {limit}",
        code="too_big_unzipped",
    )


def _open_package(upload) -> zipfile.ZipFile:
    """The upload as a ZIP, once the sizes its directory declares are within the limits.

    Python's zipfile never inflates a part past the size the directory declares for
    it (a part that would is refused by its checksum), so checking the declared
    sizes bounds what reading the parts can inflate.
    """
    try:
        archive = zipfile.ZipFile(_rewound(upload))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise NotThatKind from error
    entries = archive.infolist()
    if not entries or len(entries) > MAX_ZIP_ENTRIES:
        raise NotThatKind
    if _inflates_too_far(entries):
        raise _too_big_unzipped()
    return archive


def _read_parts(archive, *, watch: str = "", for_text: bytes = b"") -> bool:
    """Read every part in bounded chunks, checking each one's CRC; say whether the
    part named `watch` contains `for_text` (in any case)."""
    found, budget = False, settings.EVIDENCE_MAX_INFLATED_BYTES
    try:
        for entry in archive.infolist():
            needle = for_text if watch and entry.filename == watch else b""
            budget, seen = _read_part(archive, entry, budget, needle)
            found = found or seen
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,  # a part that needs a password
        NotImplementedError,  # a compression zipfile does not read
    ) as error:
        raise NotThatKind from error
    return found


def _read_part(archive, entry, budget: int, needle: bytes) -> tuple[int, bool]:
    # zipfile checks the part's CRC when the last chunk is read.
    found, tail = False, b""
    with archive.open(entry) as part:
        while chunk := part.read(CHUNK_BYTES):
            budget -= len(chunk)
            if budget < 0:
                raise _too_big_unzipped()
            if needle and not found:
                window = tail + chunk.lower()
                found, tail = needle in window, window[-len(needle) :]
    return budget, found


def _check_ooxml(upload, suffix: str) -> None:
    """A Word, Excel or PowerPoint package of the kind its extension says, without
    macros, whose parts are intact."""
    archive = _open_package(upload)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[suffix] not in names:
        raise NotThatKind
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise NotThatKind
    if _read_parts(archive, watch="[Content_Types].xml", for_text=b"macroenabled"):
        raise NotThatKind


def _check_odf(upload, suffix: str) -> None:
    """An OpenDocument package whose first part names the kind its extension says."""
    archive = _open_package(upload)
    first = archive.infolist()[0]
    expected = ODF_MIMETYPE[suffix].encode()
    if first.filename != "mimetype" or first.file_size > len(expected) + 2:
        raise NotThatKind
    _read_parts(archive)
    if archive.read(first).strip() != expected:  # a few bytes, checked above
        raise NotThatKind


# Images --------------------------------------------------------------------------


def _too_many_pixels() -> ValidationError:
    megapixels = settings.EVIDENCE_MAX_IMAGE_PIXELS / 1_000_000
    return ValidationError(
        f"The selected image must be smaller than {megapixels:g} megapixels "
        "(its width times its height)",
        code="too_many_pixels",
    )


def _check_image(upload, suffix: str) -> None:
    """Its header says it is that kind, its width times height is within the limit;
    then a PNG's chunks are all intact (checksums), a JPEG decodes at one eighth of
    its size. No image is ever decoded whole."""
    expected = "PNG" if suffix == ".png" else "JPEG"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(_rewound(upload), formats=[expected]) as image:
                width, height = image.size
                if width * height > settings.EVIDENCE_MAX_IMAGE_PIXELS:
                    raise _too_many_pixels()
                if expected == "PNG":
                    image.verify()
                else:
                    image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
                    image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except ValidationError:
            raise
        except Exception as error:  # Pillow raises many kinds for a broken image
            raise NotThatKind from error


# Text, CSV and email -----------------------------------------------------------


def _scan_text(upload, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    tail = ""
    for chunk in _stream(upload):
        if b"\x00" in chunk:
            raise NotThatKind
        text = tail + decoder.decode(chunk)
        if ACTIVE_HTML.search(text):
            raise NotThatKind
        tail = text[-ACTIVE_HTML_LONGEST:]
    decoder.decode(b"", final=True)


def _check_text(upload, suffix: str) -> None:
    """Text in UTF-8 (or Windows-1252), with no NUL byte and no active HTML anywhere."""
    for encoding in TEXT_ENCODINGS:
        try:
            _scan_text(upload, encoding)
        except UnicodeDecodeError:
            continue
        return
    raise NotThatKind


def _email_header_block(upload) -> bytes:
    head = b""
    for chunk in _stream(upload):
        head += chunk
        for blank_line in (b"\r\n\r\n", b"\n\n"):
            if blank_line in head:
                return head[: head.index(blank_line) + len(blank_line)]
        if len(head) > MAX_EMAIL_HEADER_BYTES:
            raise NotThatKind
    return head


def _check_email(upload, suffix: str) -> None:
    """An email message: it starts with a header block naming who sent it (an address)
    and either when or what about. Its body may be anything, HTML included: evidence
    is only ever downloaded as an attachment that no browser runs."""
    head = _email_header_block(upload)
    if b"\x00" in head or not HEADER_LINE.match(head):
        raise NotThatKind
    try:
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            head, headersonly=True
        )
        senders = message["From"].addresses if message["From"] else ()
        dated_or_titled = bool(message["Date"] or message["Subject"])
    except Exception as error:  # the email package raises many kinds for a broken header
        raise NotThatKind from error
    if not dated_or_titled or not any("@" in sender.addr_spec for sender in senders):
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


def _fingerprint(upload) -> tuple[int, str]:
    size, digest = 0, hashlib.sha256()
    for chunk in _stream(upload):
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def _refuse_before_reading(upload, suffix: str) -> None:
    if isinstance(upload, RefusedUpload):
        raise upload.validation_error()
    if suffix not in CHECKS:
        raise ValidationError(f"The file must be a {ALLOWED_DESCRIPTION}", code="file_type")
    size = upload.size or 0
    if size == 0:
        raise ValidationError("The selected file is empty", code="empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            f"The selected file must be smaller than {size_in_words(settings.EVIDENCE_MAX_BYTES)}",
            code="too_big",
        )


def inspect_upload(upload) -> InspectedUpload:
    """Check an uploaded file and describe it, or raise ValidationError saying why not."""
    display_name = clean_file_name(getattr(upload, "name", ""))
    suffix = PurePosixPath(display_name).suffix.lower()
    _refuse_before_reading(upload, suffix)
    try:
        size, sha256 = _fingerprint(upload)
        CHECKS[suffix](upload, suffix)
    except OSError as error:
        raise ValidationError("The selected file could not be read", code="unreadable") from error
    except NotThatKind as error:
        raise ValidationError(
            f"The selected file is not a real {suffix[1:].upper()} file, or it is damaged. "
            f"It must be a {ALLOWED_DESCRIPTION}",
            code="content_mismatch",
        ) from error
    scan_for_malware(upload)
    return InspectedUpload(
        display_name=display_name, content_type=CONTENT_TYPES[suffix], size=size, sha256=sha256
    )


# Storing -------------------------------------------------------------------------

STORAGE_FAILED = "The file could not be stored just now, so nothing has been saved. Try again later"


def store_file(evidence, upload) -> None:
    """Write an upload to evidence storage as `evidence.file`, or raise ValidationError.

    1. Choose the stored name first (random, and free in the storage), so that it
       is known whatever happens to the write.
    2. Write the file under that name.
    3. If the write fails part way (a full disk, a lost connection), remove whatever
       it left under that name, through the storage API only (so for any storage),
       and say so; a fragment never outlives a failed upload to keep a disk full.
    """
    field, storage = evidence.file.field, evidence.file.storage
    name = storage.get_available_name(
        field.generate_filename(evidence, evidence.original_name), max_length=field.max_length
    )
    try:
        evidence.file = storage.save(name, _rewound(upload), max_length=field.max_length)
    except BaseException as error:
        _remove_fragment(storage, name)
        if not isinstance(error, Exception):
            raise  # the worker is being stopped: leave nothing behind, and stop
        logger.error("Evidence storage failed writing %s", name, exc_info=error)
        raise ValidationError(STORAGE_FAILED, code="storage") from error


def store_files(uploads, inspected, make, save) -> list:
    """Write each upload under a random name and save the row `make(facts)` describes it
    by, through `save(row)`: all or none. If anything fails, the files written so far are
    removed, so that no row points at a missing file and no file outlives a refusal; the
    caller's transaction takes back the rows."""
    stored = []
    try:
        for upload, facts in zip(uploads, inspected, strict=True):
            row = make(facts)
            store_file(row, upload)
            stored.append(row)
            save(row)
    except BaseException:
        remove_stored_files(stored)
        raise
    return stored


def _remove_fragment(storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:
        logger.exception("Could not remove what a failed write left at %s", name)


def remove_stored_files(stored) -> None:
    """Remove the files of an upload that is not being saved; a failure here is only logged."""
    for evidence in stored:
        try:
            evidence.file.storage.delete(evidence.file.name)
        except Exception:
            logger.exception("Could not remove %s after a failed upload", evidence.file.name)


# Malware -------------------------------------------------------------------------

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


def scan_for_malware(upload) -> None:
    """Refuse a file clamd finds infected, streaming it to clamd's INSTREAM. A scanner
    configured but unreachable refuses all: an upload is never let through unchecked."""
    scanner = malware_scanner()
    if scanner is None:
        return
    try:
        status, signature = scanner.instream(_rewound(upload)).get("stream", ("ERROR", None))
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
