"""
Tables people take away: CSV streamed a row at a time, and XLSX written with
openpyxl's write-only mode — both in flat memory however many rows there are,
and both with any formula disarmed.
"""

import csv
import datetime
import re
import tempfile
from dataclasses import dataclass

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Where a spreadsheet may start a cell: the start of the text, or after a separator it
# may split on (a comma; a semicolon in locales that write 1,5; a tab; a line break),
# then any spaces or double quotes it may drop, then the character that makes a formula.
FORMULA = re.compile(r"""(^|[,;\t\r\n])([ "]*)(?=[=+\-@\t\r])""")
CSV_BATCH = 200  # rows sent at a time: fewer, larger writes, still flat memory
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A cell's value with any formula disarmed (OWASP CSV injection).

    Wherever a spreadsheet could start a cell in the text — at its start, or after a
    comma, semicolon, tab or line break it may split the text on (a `;`-separated
    locale turns `x;=HYPERLINK(…)` into two cells) — and that cell would begin with
    =, +, -, @, tab or carriage return (after any spaces or quotes), an apostrophe
    goes in front of that character, so the cell is shown as text. Nothing else
    changes, so the text stays readable. Numbers, dates and empty values are left as
    they are.
    """
    if isinstance(value, str):
        return FORMULA.sub(r"\1\2'", value)
    return value


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 15  # characters, in the XLSX


class Echo:
    """A file csv.writer writes to that hands each line back, for streaming."""

    def write(self, value):
        return value


def _download_headers(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(filename: str, columns: list[Column], rows) -> StreamingHttpResponse:
    """Stream `rows` (an iterator of lists) as a CSV download."""
    writer = csv.writer(Echo())

    def lines():
        batch = [writer.writerow([column.header for column in columns])]
        for row in rows:
            batch.append(
                writer.writerow(["" if v is None else safe_cell(_csv_value(v)) for v in row])
            )
            if len(batch) == CSV_BATCH:
                yield "".join(batch)
                batch = []
        yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return _download_headers(response, filename)


def _csv_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def xlsx_response(filename: str, title: str, columns: list[Column], rows) -> FileResponse:
    """Write `rows` to an XLSX file in write-only mode and stream the file.

    Real dates (shown as 4 Jun 2021), a bold header row frozen at the top, and
    column widths. openpyxl writes rows to a temporary file as it goes, so memory
    stays flat; the finished file is streamed from disk.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    sheet.append([_header_cell(sheet, column.header, bold) for column in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook.save(handle)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_TYPE)
    return _download_headers(response, filename)


def _header_cell(sheet, text, font):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _xlsx_cell(sheet, value):
    """A value as openpyxl writes it; only dates need a cell of their own, for their format."""
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "d mmm yyyy hh:mm"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "d mmm yyyy"
        return cell
    if isinstance(value, str):
        # XLSX cannot hold most control characters (openpyxl refuses them): show each
        # as the replacement character rather than fail the whole download.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return safe_cell(value)
