"""The one .xlsx writer: people's text stays text, numbers and dates stay typed.

Each export's own test (people, lessons, meetings, contests) feeds the formula payloads
through its page; tests/xlsx_support.py opens the files.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.xlsx_support import HYPERLINK, PAYLOADS
from xianfeng.common.xlsx import XlsxWriter, looks_like_formula, sheet_text, sheet_title


def test_writer_keeps_text_text_and_types_typed():
    book = XlsxWriter()
    sheet = book.sheet("明细", ["文字", "数", "日期"], preamble=["标题", ""])
    for payload in [*PAYLOADS, "#N/A", "0012", "2026-03-10", "正常文字"]:
        sheet.append([payload, 1, None])
    sheet.append(["时间", Decimal("92.50"), datetime.date(2026, 3, 10)])
    sheet.append(["布尔", True, datetime.datetime(2026, 3, 10, 7, 30, tzinfo=datetime.UTC)])
    wb = load_workbook(io.BytesIO(book.to_bytes()))
    ws = wb["明细"]
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]] == ["文字", "数", "日期"]
    column = [(c.value, c.data_type, bool(c.quotePrefix)) for c in ws["A"][3:]]
    assert column == [
        ("=1+1", "s", True),
        ("+1", "s", True),
        ("-1", "s", True),
        ("@SUM(A1)", "s", True),
        ("\t=1", "s", True),
        ("\n=1", "s", True),
        (HYPERLINK, "s", True),
        ("#N/A", "s", False),
        ("0012", "s", False),
        ("2026-03-10", "s", False),
        ("正常文字", "s", False),
        ("时间", "s", False),
        ("布尔", "s", False),
    ]
    assert (ws["B15"].value, ws["B15"].data_type) == (92.5, "n")
    assert ws["C15"].value == datetime.datetime(2026, 3, 10)
    assert ws["C15"].number_format == "yyyy-mm-dd"
    assert (ws["B16"].value, ws["B16"].data_type) == (True, "b")
    # An aware moment is written in local time (Asia/Shanghai).
    assert ws["C16"].value == datetime.datetime(2026, 3, 10, 15, 30)


def test_writer_drops_only_what_xml_cannot_carry():
    assert sheet_text("会\x00议\x07主\ud800题\ufffe") == "会议主题"
    assert sheet_text("第一行\r\n第二行\r第三行\t缩进") == "第一行\n第二行\n第三行\t缩进"
    assert len(sheet_text("字" * 40000)) == 32767
    book = XlsxWriter()
    book.sheet("表", ["说明"]).append(["旧数据\x00里的空字符"])
    assert load_workbook(io.BytesIO(book.to_bytes()))["表"]["A2"].value == "旧数据里的空字符"


def test_sheet_titles_are_valid_and_unique():
    assert sheet_title("决赛: 县级/市级 [终审]?") == "决赛_ 县级_市级 _终审__"
    assert sheet_title("=1+1") == "=1+1"
    assert sheet_title("一" * 40) == "一" * 31
    assert sheet_title("支部推荐", ["支部推荐"]) == "支部推荐(2)"
    assert sheet_title("一" * 40, ["一" * 31]) == "一" * 28 + "(2)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1", True),
        ("＝1", True),
        ("  +1", True),
        ("\u3000-1", True),
        ("\n@x", True),
        ("\tabc", True),
        ("a=1", False),
        ("", False),
        ("   ", False),
        ("一、学习", False),
    ],
)
def test_looks_like_formula(text, expected):
    assert looks_like_formula(text) is expected


def test_nothing_else_creates_a_workbook_for_output():
    """One writer for every export: openpyxl's Workbook appears only in common/xlsx.py."""
    src = Path(__file__).resolve().parents[2] / "src" / "xianfeng"
    users = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if re.search(r"\bWorkbook\(|import .*\bWorkbook\b|csv\.writer", path.read_text())
    )
    assert users == ["common/xlsx.py"]


def test_csv_cells_that_would_run_as_formulas_get_a_quote():
    from xianfeng.common.xlsx import csv_text

    text = csv_text([["站点", "开机率"], ['=HYPERLINK("x")', "-3"], ["＠SUM(A1)", "\t=1"]])
    assert text == '站点,开机率\r\n"\'=HYPERLINK(""x"")",-3\r\n\'＠SUM(A1),\'\t=1\r\n'
