"""The roster's columns and the words people use for them, and how a cell is read: dates
as Excel stores them, phones, ID numbers, choices."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl.utils.datetime import from_excel

from xianfeng.common.errors import Refused
from xianfeng.people.enums import Education, Gender, MemberStatus
from xianfeng.people.idcard import PHONE_RE, id_problem
from xianfeng.people.normalize import clean_compact, clean_text

# Where to look for the header row: under a title, a date line, a blank row or two.


HEADER_SCAN_ROWS = 15


MIN_KNOWN_HEADERS = 3
# Rows read in all (blank ones included) before a sheet counts as padded with empty rows.


EXTRA_PHYSICAL_ROWS = 10_000


DB_CHUNK = 2000

# field: (the label used in messages, then every header meaning the same column)


COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生日期", "出生年月"),
    "education": ("学历", "文化程度"),
    "phone": ("手机号", "手机号码", "联系电话", "手机"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "joined_on": ("入党日期", "入党时间"),
    "confirmed_on": ("转正日期", "转正时间"),
    "status": ("党员类别", "人员类别", "党员类型"),
    "is_mobile": ("流动党员", "是否流动党员"),
    "mobile_place": ("流动去向", "外出地点"),
    "org": ("所在党组织", "所在支部", "党支部", "组织名称"),
    "org_code": ("组织代码",),
    "group": ("党小组",),
    "position": ("党内职务", "职务"),
}


ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


LABELS = {name: aliases[0] for name, aliases in COLUMNS.items()}


REQUIRED = ("name", "id_number")


DATE_FIELDS = ("birth_date", "joined_on", "confirmed_on")


MAX_LENGTHS = {"ethnicity": 20, "mobile_place": 100, "position": 50}


GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}


STATUSES = {
    "正式": MemberStatus.FULL,
    "正式党员": MemberStatus.FULL,
    "预备": MemberStatus.PROBATIONARY,
    "预备党员": MemberStatus.PROBATIONARY,
}


YES = {"是", "Y", "YES", "√", "✓", "✔", "1", "TRUE"}


NO = {"否", "N", "NO", "×", "0", "FALSE"}


EDUCATIONS: dict[str, str] = {
    "研究生": Education.POSTGRADUATE,
    "硕士": Education.POSTGRADUATE,
    "硕士研究生": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "博士研究生": Education.POSTGRADUATE,
    "研究生及以上": Education.POSTGRADUATE,
    "本科": Education.BACHELOR,
    "大学本科": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "大学专科": Education.COLLEGE,
    "中专": Education.SECONDARY,
    "中技": Education.SECONDARY,
    "技校": Education.SECONDARY,
    "中等专科": Education.SECONDARY,
    "高中": Education.HIGH,
    "初中": Education.JUNIOR,
    "小学": Education.PRIMARY,
    "文盲": Education.PRIMARY,
    "小学及以下": Education.PRIMARY,
}


EDUCATION_HINT = "研究生、本科、大专、中专、高中、初中、小学及以下"


_NOTE = re.compile(r"\([^)]*\)|\[[^]]*]|【[^】]*】")


_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$", re.IGNORECASE)


_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")


_YEAR = re.compile(r"^(\d{4})\s*年?$")


_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


MSG_NOT_XLSX = (
    "无法读取该文件：请上传 Excel 的 .xlsx 文件。如是 .xls、.csv 或 WPS 的 .et 文件，"
    "请在 Excel 或 WPS 中“另存为” .xlsx 后再上传"
)


MSG_OLD_XLS = (
    "这是旧版 Excel（.xls）文件，或设了打开密码的文件，无法读取。"
    "请在 Excel 中另存为 .xlsx（并取消密码）后再上传"
)


MSG_NO_HEADER = (
    "没有找到表头：表格前 {n} 行中应有一行列名，包含“姓名”“身份证号”等。可下载导入模板对照填写"
)


MSG_ID_NUMBER_CELL = (
    "Excel 把身份证号变成了数字，末几位可能已经丢失；请把这一列设为“文本”格式，重新填写身份证号"
)


class RosterUnreadable(Refused):
    """The file as a whole cannot be imported (not .xlsx, no header, too many rows)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def normalize_header(value: object) -> str:
    """NFKC, no spaces, no “*”, no notes in brackets: “ 身份证号码（必填）*” → “身份证号码”."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = _NOTE.sub("", text)
    return re.sub(r"[\s*:：]", "", text)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def _cell_text(value: Any) -> str:
    """A cell as text: whole floats lose “.0”, dates are written as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(value)


# --- reading cells -------------------------------------------------------------------------


@dataclass
class _DateCell:
    value: datetime.date | None = None
    month: tuple[int, int] | None = None  # only a year and a month were given
    problem: str = ""


def _checked_date(year: int, month: int, day: int, text: str) -> _DateCell:
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return _DateCell(problem=f"日期“{text}”不存在，请核对")
    if year < 1900:
        return _DateCell(problem=f"日期“{text}”早于 1900 年，请核对")
    return _DateCell(value=value)


def read_date(value: Any, *, epoch: datetime.datetime | None = None) -> _DateCell:
    """A date cell in any of the shapes rosters hold; a problem in Chinese when unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _DateCell()
    if isinstance(value, datetime.datetime):
        return _checked_date(value.year, value.month, value.day, value.date().isoformat())
    if isinstance(value, datetime.date):
        return _checked_date(value.year, value.month, value.day, value.isoformat())
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1900 <= value <= 2100:
            year = int(value)
            return _DateCell(problem=f"只填了年份“{year}”，请填写完整日期，如 {year}-07-01")
        if float(value).is_integer() and (
            190001 <= value <= 210012 or 19000101 <= value <= 21001231
        ):
            return read_date(str(int(value)))
        if not 1 <= value < 73051:  # Excel serials from 1900-01-01 to 2100-01-01
            return _DateCell(
                problem=f"看不懂的日期“{_cell_text(value)}”，请写成 2020-07-01 这样的格式"
            )
        moment = from_excel(value, epoch) if epoch else from_excel(value)
        return _checked_date(moment.year, moment.month, moment.day, moment.date().isoformat())
    text = clean_text(value)
    bare = _TIME_SUFFIX.sub("", text)
    if match := _FULL_DATE.match(bare) or _COMPACT_DATE.match(bare):
        year, month, day = (int(part) for part in match.groups())
        return _checked_date(year, month, day, text)
    if match := _MONTH.match(bare) or _COMPACT_MONTH.match(bare):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12 or year < 1900:
            return _DateCell(problem=f"日期“{text}”不存在，请核对")
        return _DateCell(
            month=(year, month),
            problem=f"只填了年月“{text}”，请填写完整日期，如 {year}-{month:02d}-01",
        )
    if match := _YEAR.match(bare):
        year = int(match.group(1))
        return _DateCell(problem=f"只填了年份“{text}”，请填写完整日期，如 {year}-07-01")
    return _DateCell(problem=f"看不懂的日期“{text}”，请写成 2020-07-01 这样的格式")


def read_phone(value: Any) -> tuple[str, str]:
    """(phone, problem): a numeric cell is fine (11 digits are exact in a double)."""
    text = _cell_text(value)
    phone = re.sub(r"[-－()（）]", "", clean_compact(text))
    if not phone:
        return "", ""
    if "*" in phone:
        return "", "手机号中有“*”，是隐去了部分数字的号码，请填写完整号码"
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not PHONE_RE.match(phone):
        return "", f"“{text}”不是 11 位手机号"
    return phone, ""


def read_id_number(value: Any) -> tuple[str, str]:
    """(ID number, problem). A number cell never passes: Excel keeps 15 significant digits,
    so the last ones of an 18-digit ID are already gone and any guess would be wrong."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "", MSG_ID_NUMBER_CELL
    text = clean_compact(value).upper()
    if not text:
        return "", ""
    if _SCIENTIFIC.match(text):
        return "", MSG_ID_NUMBER_CELL
    if "*" in text:
        return "", "身份证号中有“*”，是隐去了部分数字的号码，请填写完整号码"
    problem = id_problem(text)
    return (text, "") if problem is None else ("", problem)


def _read_choice(value: Any, choices: Mapping[str, str], message: str) -> tuple[str, str]:
    text = clean_compact(_cell_text(value))
    if not text:
        return "", ""
    if text in choices:
        return choices[text], ""
    return "", message.format(text=text)
