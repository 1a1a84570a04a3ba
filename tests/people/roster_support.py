"""Helpers for the roster import tests: workbooks built in the test, a private storage in
tmp_path, valid ID numbers."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.factories import gb11643_check
from xianfeng.people.exports import HEADERS
from xianfeng.people.models import RosterImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def id_number(born: datetime.date, order: int, area: str = "110105") -> str:
    """A valid ID number; an odd `order` is a man."""
    body = f"{area}{born:%Y%m%d}{order:03d}"
    return body + gb11643_check(body)


def id_number_ending_x(born: datetime.date, *, male: bool = True) -> str:
    for order in range(1 if male else 0, 1000, 2):
        number = id_number(born, order)
        if number.endswith("X"):
            return number
    raise AssertionError("no order gives X")


def workbook_bytes(
    sheets: dict[str, Sequence[Sequence[Any]]],
    *,
    merges: dict[str, list[str]] | None = None,
    formats: dict[str, dict[str, str]] | None = None,
) -> bytes:
    """An .xlsx with one sheet per entry; cells keep their Python types (int, float,
    datetime, str) as a spreadsheet would hold them."""
    wb = Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        for row in rows:
            ws.append(list(row))
        for cell_range in (merges or {}).get(title, []):
            ws.merge_cells(cell_range)
        for ref, number_format in (formats or {}).get(title, {}).items():
            ws[ref].number_format = number_format
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def roster_bytes(rows: Sequence[dict[str, Any]], headers: Sequence[str] = HEADERS) -> bytes:
    """A plain roster: the export's headers, one dict per person (missing keys empty)."""
    return workbook_bytes(
        {"党员名册": [list(headers), *[[r.get(h) for h in headers] for r in rows]]}
    )


def upload(data: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def use_tmp_private_storage(monkeypatch: Any, path: Any) -> None:
    """Uploaded rosters go to tmp_path, not var/private."""
    storage = RosterImport._meta.get_field("file").storage
    monkeypatch.setattr(storage, "base_location", str(path))
    monkeypatch.setattr(storage, "location", str(path))
