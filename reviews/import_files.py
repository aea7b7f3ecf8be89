"""
Reading a file of recommendations and actions to import: a CSV or XLSX laid out like
the template, one row per action. Reading only: checking the rows against a review
and saving them is reviews.imports'.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from actions.evidence import inspect_upload

MAX_ROWS = 2000
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: str
    example: str
    help: str


COLUMNS = [
    ImportColumn(
        "recommendation_number", "Recommendation number", "1", "A whole number, new in this review."
    ),
    ImportColumn(
        "recommendation_text",
        "Recommendation",
        "Agencies should share information sooner.",
        "Required.",
    ),
    ImportColumn(
        "recommendation_themes",
        "Themes",
        "Neglect; Information sharing",
        "Optional: names of themes, separated by semicolons.",
    ),
    ImportColumn(
        "owning_agencies",
        "Owning agencies",
        "Council; Police",
        "Required: agency names or short names, separated by semicolons.",
    ),
    ImportColumn(
        "action_title",
        "Action",
        "Agree an information-sharing protocol",
        "Leave the action columns empty for a recommendation with no action yet.",
    ),
    ImportColumn("action_agency", "Action agency", "Council", "One of the owning agencies."),
    ImportColumn(
        "action_owner",
        "Action owner",
        "lead-council",
        "Optional: the username or email of one of that agency's leads.",
    ),
    ImportColumn(
        "action_description",
        "Action description",
        "Draft, consult on and agree the protocol.",
        "Required with an action.",
    ),
    ImportColumn(
        "success_measure",
        "Success measure",
        "Protocol signed by every agency.",
        "Required with an action.",
    ),
    ImportColumn(
        "due_date",
        "Due date",
        "31/03/2027",
        "Required with an action: day/month/year, or a date cell.",
    ),
]
HEADER_TO_KEY = {c.header.lower(): c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS}


class ImportFileError(ValueError):
    """The file as a whole cannot be read as an import."""


# Reading -----------------------------------------------------------------------


IMPORT_KINDS = (".csv", ".xlsx")
NOT_A_SPREADSHEET = "The file must be a CSV or an Excel (XLSX) file"


def read_rows(upload) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file, as text keyed by column, dates as ISO text.

    The file goes through the same content checks as evidence, but a refusal is
    worded for an import: what an import takes, not what evidence may be.
    """
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(IMPORT_KINDS):
        raise ImportFileError(NOT_A_SPREADSHEET)
    try:
        inspect_upload(upload)
    except ValidationError as error:
        raise ImportFileError(_import_message(error, name)) from error
    upload.seek(0)
    data = upload.read()
    table = _csv_table(data) if name.endswith(".csv") else _xlsx_table(data)
    return _keyed(table)


def _import_message(error: ValidationError, name: str) -> str:
    if error.code == "content_mismatch":
        kind = "CSV" if name.endswith(".csv") else "Excel (XLSX)"
        return (
            f"The selected file is not a real {kind} file, or it is damaged. Save it again "
            "from the template, as CSV or Excel (XLSX), and upload that"
        )
    return error.messages[0]


def _csv_table(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return list(csv.reader(io.StringIO(data.decode(encoding))))
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The CSV file could not be read: save it as UTF-8 and try again")


def _xlsx_table(data: bytes) -> list[list]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError("The Excel file could not be read") from error
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _keyed(table: list[list]) -> list[dict[str, str]]:
    if not table:
        raise ImportFileError("The file is empty")
    headers = [HEADER_TO_KEY.get(_text(h).lower()) for h in table[0]]
    missing = [c.header for c in COLUMNS if c.key not in headers]
    if missing:
        raise ImportFileError(
            f"The first row must name the columns; missing: {', '.join(missing)}. "
            "Start from the template."
        )
    rows = []
    for values in table[1:]:
        row = {key: _text(value) for key, value in zip(headers, values, strict=False) if key}
        if any(row.values()):
            rows.append(row)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            f"The file has more than {MAX_ROWS} rows; split it into smaller files"
        )
    if not rows:
        raise ImportFileError("The file has no rows under its column names")
    return rows


def template_rows() -> list[list[str]]:
    return [[c.example for c in COLUMNS]]
