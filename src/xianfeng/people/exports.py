"""The roster as .xlsx: the same columns the importer reads, so an export re-imports."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.http import FileResponse
from django.utils import timezone

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.models import Member

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "学历",
    "手机号",
    "身份证号",
    "入党日期",
    "转正日期",
    "党员类别",
    "流动党员",
    "流动去向",
    "所在党组织",
    "组织代码",
    "党小组",
    "党内职务",
]
WIDTHS = [10, 6, 8, 12, 10, 14, 22, 12, 12, 10, 8, 16, 28, 14, 12, 12]


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def roster_rows(user: Any, members: Iterable[Member]) -> Iterable[list[str]]:
    for m in members:
        private = can_manage_roster(user, m.org)
        phone = m.user.phone or ""
        id_number = m.id_number or ""
        yield [
            m.user.name,
            m.get_gender_display(),
            m.ethnicity,
            _date(m.birth_date),
            m.get_education_display(),
            phone if private else m.user.masked_phone,
            id_number if private else m.masked_id_number,
            _date(m.joined_on),
            _date(m.confirmed_on),
            m.get_status_display(),
            "是" if m.is_mobile else "否",
            m.mobile_place,
            m.org.name,
            m.org.code,
            m.group.name if m.group else "",
            m.position,
        ]


def roster_workbook_response(user: Any, members: Any) -> FileResponse:
    """Stream a workbook of `members`; every cell is text so ID numbers stay exact."""
    book = XlsxWriter()
    sheet = book.sheet("党员名册", HEADERS, widths=WIDTHS)
    for row in roster_rows(user, members.iterator(chunk_size=2000)):
        sheet.append(row)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return book.streaming_response(f"党员名册-{stamp}.xlsx", ascii_filename=f"roster-{stamp}.xlsx")
