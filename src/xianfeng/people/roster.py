"""Reading a roster workbook (党员花名册, .xlsx) into member records.

Finds the header row under any title rows, maps the many ways rosters name a column to
one field, reads each cell the way Excel may have stored it (numbers, dates, serials,
full-width text), applies the per-row rules of checks.member_problems, resolves org names
inside the import's target subtree, and finds duplicates within the file and against the
registry. It reads the database (a few queries per file) and writes nothing:
services/roster.py stores and commits what it returns.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from xianfeng.common.errors import Refused
from xianfeng.common.xlsx import DATE_FORMAT, TEXT_FORMAT, XlsxWriter
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.checks import MemberData, member_problems
from xianfeng.people.enums import Education, Gender, MemberStatus
from xianfeng.people.exports import HEADERS, WIDTHS
from xianfeng.people.idcard import PHONE_RE, birth_date_of, id_problem, mask_id, mask_phone
from xianfeng.people.models import Member, RosterImport, User
from xianfeng.people.normalize import clean_compact, clean_name, clean_text

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


@dataclass
class RosterRow:
    """One data row of the workbook, read into a member's fields."""

    sheet: str
    row: int
    data: MemberData
    org_name: str = ""
    group_name: str = ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.data.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id(self.data.id_number)

    @property
    def gender_display(self) -> str:
        return str(Gender(self.data.gender).label) if self.data.gender else ""

    @property
    def status_display(self) -> str:
        return str(MemberStatus(self.data.status).label) if self.data.status else ""

    @property
    def education_display(self) -> str:
        return str(Education(self.data.education).label) if self.data.education else ""


@dataclass
class RosterParse:
    """What a workbook holds: its rows, every problem found, and how many rows it has."""

    rows: list[RosterRow]
    errors: list[dict[str, Any]]
    row_count: int


@dataclass
class _Sheet:
    title: str
    index: int
    header_row: int
    columns: dict[str, int]  # field → 0-based column index
    headers: dict[str, str]  # field → the header as written (normalised)


@dataclass
class _Pending:
    """A row being read: its values so far, and its problems keyed by field."""

    sheet: _Sheet
    row: int
    data: MemberData
    org_text: str = ""
    code_text: str = ""
    group_text: str = ""
    problems: dict[str, str] = field(default_factory=dict)
    birth_month: tuple[int, int] | None = None
    birth_month_text: str = ""


# --- reading the file ----------------------------------------------------------------------


def _open_workbook(file: Any) -> Any:
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterUnreadable(MSG_OLD_XLS)
    if not head.startswith(b"PK"):
        raise RosterUnreadable(MSG_NOT_XLSX)
    try:
        with warnings.catch_warnings():
            # Data validation and conditional formatting extensions are not read; fine.
            warnings.simplefilter("ignore")
            return load_workbook(file, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise RosterUnreadable(MSG_NOT_XLSX) from exc


def _find_header(values: tuple[Any, ...]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """The known columns of a candidate header row, and duplicate-column problems."""
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    duplicates: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        header = normalize_header(value)
        name = ALIASES.get(header)
        if name is None:
            continue
        if name in columns:
            duplicates.append(f"“{headers[name]}”和“{header}”是同一项，请删去其中一列")
            continue
        columns[name], headers[name] = index, header
    return columns, headers, duplicates


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


def _read_row(sheet: _Sheet, row: int, values: tuple[Any, ...], epoch: Any) -> _Pending:
    def cell(name: str) -> Any:
        index = sheet.columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    data = MemberData(name=clean_name(_cell_text(cell("name"))), status="", ethnicity="")
    pending = _Pending(sheet=sheet, row=row, data=data)
    problems = pending.problems

    data.phone, problem = read_phone(cell("phone"))
    if problem:
        problems["phone"] = problem
    data.id_number, problem = read_id_number(cell("id_number"))
    if problem:
        problems["id_number"] = problem
    elif not data.id_number:
        problems["id_number"] = "请填写身份证号"
    data.gender, problem = _read_choice(cell("gender"), GENDERS, "性别应填“男”或“女”，不是“{text}”")
    if problem:
        problems["gender"] = problem
    data.education, problem = _read_choice(
        cell("education"), EDUCATIONS, "看不懂的学历“{text}”，可填：" + EDUCATION_HINT
    )
    if problem:
        problems["education"] = problem
    data.status, problem = _read_choice(
        cell("status"), STATUSES, "党员类别应填“正式党员”或“预备党员”，不是“{text}”"
    )
    if problem:
        problems["status"] = problem
    mobile = clean_compact(_cell_text(cell("is_mobile"))).upper()
    if mobile in YES:
        data.is_mobile = True
    elif mobile and mobile not in NO:
        problems["is_mobile"] = f"流动党员应填“是”或“否”，不是“{mobile}”"
    for name in DATE_FIELDS:
        parsed = read_date(cell(name), epoch=epoch)
        setattr(data, name, parsed.value)
        if name == "birth_date" and parsed.month:
            # 出生年月 is common; the ID number has the day, so it decides below.
            pending.birth_month = parsed.month
            pending.birth_month_text = _cell_text(cell(name))
        elif parsed.problem:
            problems[name] = parsed.problem
    data.ethnicity = clean_text(_cell_text(cell("ethnicity"))) or "汉族"
    data.mobile_place = clean_text(_cell_text(cell("mobile_place")))
    data.position = clean_text(_cell_text(cell("position")))
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(data, name)) > limit:
            problems[name] = f"{LABELS[name]}过长（最多 {limit} 个字）"
    pending.org_text = clean_text(_cell_text(cell("org")))
    pending.code_text = clean_compact(_cell_text(cell("org_code")))
    pending.group_text = clean_text(_cell_text(cell("group")))
    return pending


def _apply_birth_month(pending: _Pending) -> None:
    if pending.birth_month is None:
        return
    year, month = pending.birth_month
    number = pending.data.id_number
    if not number:
        pending.problems.setdefault(
            "birth_date",
            f"只填了年月“{pending.birth_month_text}”，请填写完整出生日期，或填写身份证号",
        )
        return
    born = birth_date_of(number)
    if (born.year, born.month) != (year, month):
        pending.problems.setdefault(
            "birth_date",
            f"出生年月“{pending.birth_month_text}”与身份证号（{born:%Y-%m-%d}）不一致",
        )


# --- orgs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class OrgIndex:
    """The target org's subtree, loaded once, looked up by code or name."""

    def __init__(self, target: Org) -> None:
        self.target = target
        rows = Org.objects.filter(path__gte=target.path, path__lt=target.upper_path).values_list(
            "id", "code", "name", "kind", "parent_id"
        )
        self.nodes = {row[0]: _Node(*row) for row in rows}
        self.by_code: dict[str, _Node] = {}
        self.by_code_upper: dict[str, list[_Node]] = {}
        self.by_name: dict[str, list[_Node]] = {}
        self.groups: dict[tuple[int | None, str], list[_Node]] = {}
        for node in self.nodes.values():
            self.by_code[node.code] = node
            self.by_code_upper.setdefault(node.code.upper(), []).append(node)
            self.by_name.setdefault(clean_name(node.name), []).append(node)
            if node.kind == OrgKind.GROUP:
                self.groups.setdefault((node.parent_id, clean_name(node.name)), []).append(node)

    def code(self, text: str) -> _Node | None:
        node = self.by_code.get(text)
        if node is None:
            found = self.by_code_upper.get(text.upper(), [])
            node = found[0] if len(found) == 1 else None
        return node

    def unknown(self, text: str) -> str:
        return f"找不到党组织“{text}”（须在“{self.target.name}”之下）"

    def resolve(self, pending: _Pending) -> None:
        """Set org_id and group_id on the row, or its org problems."""
        problems, data = pending.problems, pending.data
        node: _Node | None = None
        if pending.code_text:
            node = self.code(pending.code_text)
            if node is None:
                problems["org_code"] = (
                    f"找不到组织代码“{pending.code_text}”（须在“{self.target.name}”之下）"
                )
                return
            text = pending.org_text
            same = (
                clean_name(text) == clean_name(node.name) or self.code(clean_compact(text)) == node
            )
            if text and not same:
                problems["org"] = (
                    f"组织代码“{node.code}”是“{node.name}”，与所在党组织“{text}”不一致"
                )
                return
        elif pending.org_text:
            node = self.code(clean_compact(pending.org_text))
            if node is None:
                found = self.by_name.get(clean_name(pending.org_text), [])
                if not found:
                    problems["org"] = self.unknown(pending.org_text)
                    return
                if len(found) > 1:
                    problems["org"] = f"有多个党组织叫“{pending.org_text}”，请改填组织代码"
                    return
                node = found[0]
        else:
            target = self.target
            if target.kind not in MEMBER_ORG_KINDS:
                problems["org"] = (
                    f"请填写所在党组织（“{target.name}”是{target.get_kind_display()}，"
                    "党员须编入党支部等组织）"
                )
                return
            node = self.nodes[target.pk]
        group: _Node | None = None
        if node.kind == OrgKind.GROUP:
            group = node
            parent = self.nodes.get(node.parent_id) if node.parent_id else None
            if parent is None:
                # The target itself is a group: its branch lies outside the subtree.
                problems["org"] = self.unknown(pending.org_text or node.name)
                return
            node = parent
        if pending.group_text:
            found = self.groups.get((node.id, clean_name(pending.group_text)), [])
            if len(found) != 1:
                problems["group"] = f"“{node.name}”下没有党小组“{pending.group_text}”"
                return
            if group is not None and found[0] != group:
                problems["group"] = (
                    f"所在党组织填的是党小组“{group.name}”，与党小组“{pending.group_text}”不一致"
                )
                return
            group = found[0]
        data.org_id = node.id
        data.group_id = group.id if group else None
        pending.org_text, pending.group_text = node.name, group.name if group else ""


# --- the whole file ------------------------------------------------------------------------


def _sheet_rows(ws: Any, max_physical: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # Some writers record a wrong sheet size; read what is there instead.
    ws.reset_dimensions()
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > max_physical:
            raise RosterUnreadable(
                f"工作表“{ws.title}”的行数过多（含空行超过 {max_physical} 行），"
                "请删除表格末尾多余的空行后再上传"
            )
        yield number, values


def _error(sheet: _Sheet | None, row: int | None, column: str, message: str) -> dict[str, Any]:
    return {"sheet": sheet.title if sheet else "", "row": row, "column": column, "message": message}


def _column_label(sheet: _Sheet, name: str) -> str:
    return sheet.headers.get(name, LABELS.get(name, ""))


FIELD_COLUMN = {"org_id": "org", "group_id": "group"}


def read_roster(
    file: Any,
    *,
    org: Org,
    max_rows: int,
    today: datetime.date | None = None,
    limit: int | None = None,
) -> RosterParse:
    """Read and check a roster workbook for import below `org`.

    Raises RosterUnreadable when the file as a whole cannot be used. With `limit`, reads
    only that many data rows and skips the checks against the registry (for a sample).
    """
    workbook = _open_workbook(file)
    try:
        pendings, sheet_errors, found_header = _read_sheets(workbook, max_rows, limit)
    finally:
        workbook.close()
    if not found_header:
        raise RosterUnreadable(MSG_NO_HEADER.format(n=HEADER_SCAN_ROWS))
    index = OrgIndex(org)
    for pending in pendings:
        _apply_birth_month(pending)
        index.resolve(pending)
        for name, message in member_problems(pending.data, today=today).items():
            pending.problems.setdefault(FIELD_COLUMN.get(name, name), message)
    _find_duplicates(pendings)
    if limit is None:
        _find_taken(pendings)
    errors = sheet_errors
    rows: list[RosterRow] = []
    for pending in pendings:
        sheet = pending.sheet
        order = {name: position for position, name in enumerate(_field_order(sheet))}
        for name in sorted(pending.problems, key=lambda n: order.get(n, len(order))):
            errors.append(
                _error(sheet, pending.row, _column_label(sheet, name), pending.problems[name])
            )
        rows.append(
            RosterRow(
                sheet=sheet.title,
                row=pending.row,
                data=pending.data,
                org_name=pending.org_text,
                group_name=pending.group_text,
            )
        )
    return RosterParse(rows=rows, errors=errors, row_count=len(pendings))


def _field_order(sheet: _Sheet) -> list[str]:
    """Fields in the order of the sheet's columns, then those the sheet lacks."""
    present = sorted(sheet.columns, key=sheet.columns.__getitem__)
    return present + [name for name in COLUMNS if name not in sheet.columns]


def _read_sheets(
    workbook: Any, max_rows: int, limit: int | None
) -> tuple[list[_Pending], list[dict[str, Any]], bool]:
    pendings: list[_Pending] = []
    errors: list[dict[str, Any]] = []
    found_header = False
    max_physical = max_rows + EXTRA_PHYSICAL_ROWS
    for sheet_index, ws in enumerate(workbook.worksheets):
        sheet: _Sheet | None = None
        for number, values in _sheet_rows(ws, max_physical):
            if sheet is None:
                if number > HEADER_SCAN_ROWS:
                    break
                columns, headers, duplicates = _find_header(values)
                if "name" not in columns or len(columns) + len(duplicates) < MIN_KNOWN_HEADERS:
                    continue
                found_header = True
                sheet = _Sheet(ws.title, sheet_index, number, columns, headers)
                missing = [LABELS[name] for name in REQUIRED if name not in columns]
                problems = [f"缺少“{label}”列" for label in missing] + duplicates
                if problems:
                    errors.extend(_error(sheet, number, "", message) for message in problems)
                    break
                continue
            mapped = [values[i] for i in sheet.columns.values() if i < len(values)]
            if all(_is_blank(value) for value in mapped):
                continue
            if len(pendings) >= max_rows:
                raise RosterUnreadable(
                    f"表格超过 {max_rows} 行，一次最多导入 {max_rows} 人，请分成几个文件导入"
                )
            pendings.append(_read_row(sheet, number, values, workbook.epoch))
            if limit is not None and len(pendings) >= limit:
                return pendings, errors, found_header
    return pendings, errors, found_header


def _where(pending: _Pending, other: _Pending) -> str:
    if other.sheet is pending.sheet:
        return f"第 {other.row} 行"
    return f"工作表“{other.sheet.title}”第 {other.row} 行"


def _find_duplicates(pendings: Iterable[_Pending]) -> None:
    phones: dict[str, _Pending] = {}
    ids: dict[str, _Pending] = {}
    for pending in pendings:
        data = pending.data
        if data.phone and "phone" not in pending.problems:
            first = phones.setdefault(data.phone, pending)
            if first is not pending:
                pending.problems["phone"] = f"手机号与{_where(pending, first)}重复"
        if data.id_number and "id_number" not in pending.problems:
            first = ids.setdefault(data.id_number, pending)
            if first is not pending:
                pending.problems["id_number"] = f"身份证号与{_where(pending, first)}重复"


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), DB_CHUNK):
        yield values[start : start + DB_CHUNK]


def _find_taken(pendings: list[_Pending]) -> None:
    """Numbers already in the registry: a few queries for the whole file."""
    phones = sorted({p.data.phone for p in pendings if p.data.phone and "phone" not in p.problems})
    ids = sorted(
        {p.data.id_number for p in pendings if p.data.id_number and "id_number" not in p.problems}
    )
    taken_phones: set[str] = set()
    for chunk in _chunks(phones):
        found = User.objects.filter(phone__in=chunk).values_list("phone", flat=True)
        taken_phones.update(phone for phone in found if phone)
    taken_ids: set[str] = set()
    for chunk in _chunks(ids):
        numbers = Member.objects.filter(id_number__in=chunk).values_list("id_number", flat=True)
        taken_ids.update(number for number in numbers if number)
    for pending in pendings:
        if pending.data.phone in taken_phones and "phone" not in pending.problems:
            pending.problems["phone"] = "该手机号已被系统中的其他用户使用"
        if pending.data.id_number in taken_ids and "id_number" not in pending.problems:
            pending.problems["id_number"] = "该身份证号已在党员名册中（可能登记在其他组织）"


def roster_sample(batch: RosterImport, *, limit: int = 10) -> list[RosterRow]:
    """The first rows of a stored batch as the importer reads them, for the preview page."""
    try:
        with batch.file.open("rb") as handle:
            parsed = read_roster(
                handle, org=batch.org, max_rows=settings.ROSTER_MAX_ROWS, limit=limit
            )
    except (RosterUnreadable, FileNotFoundError):
        return []
    return parsed.rows


# --- the template --------------------------------------------------------------------------

TEXT_COLUMNS = ("手机号", "身份证号", "组织代码")
DATE_COLUMNS = ("出生日期", "入党日期", "转正日期")
EXAMPLE = {
    "姓名": ("张三", "必填"),
    "性别": ("男", "男或女；不填则按身份证号"),
    "民族": ("汉族", "不填为汉族"),
    "出生日期": ("1985-06-15", "不填则按身份证号"),
    "学历": ("本科", EDUCATION_HINT),
    "手机号": ("13812345678", "11 位手机号，不能与他人重复"),
    "身份证号": ("370102198506150013", "必填；18 位，本列已设为文本格式，请勿改为数字"),
    "入党日期": ("2010-07-01", "如 2010-07-01，须年满 18 周岁"),
    "转正日期": ("2011-07-01", "预备党员不填"),
    "党员类别": ("正式党员", "正式党员或预备党员"),
    "流动党员": ("否", "是或否"),
    "流动去向": ("", "流动党员必填，如：广东省深圳市"),
    "所在党组织": ("东街社区党支部", "不填则为导入时选择的组织；重名时请填组织代码"),
    "组织代码": ("", "可不填"),
    "党小组": ("第一党小组", "可不填"),
    "党内职务": ("", "可不填，如：组织委员"),
}


def roster_template() -> bytes:
    """An empty roster workbook with the importer's headers, and a sheet explaining them."""
    notes = {}
    for index, title in enumerate(HEADERS, start=1):
        example, note = EXAMPLE.get(title, ("", ""))
        if note:
            notes[index] = f"{note}\n示例：{example}" if example else note
    formats = {}
    for index, title in enumerate(HEADERS, start=1):
        if title in TEXT_COLUMNS:
            # New cells typed into the column take its style: ID numbers stay text.
            formats[index] = TEXT_FORMAT
        elif title in DATE_COLUMNS:
            formats[index] = DATE_FORMAT
    book = XlsxWriter()
    book.sheet(
        "党员名册",
        HEADERS,
        widths=WIDTHS,
        notes=notes,
        formats=formats,
        choices={
            HEADERS.index(title) + 1: options
            for title, options in (
                ("性别", ["男", "女"]),
                ("党员类别", ["正式党员", "预备党员"]),
                ("流动党员", ["是", "否"]),
                ("学历", ["研究生", "本科", "大专", "中专", "高中", "初中", "小学及以下"]),
            )
        },
    )
    guide = book.sheet("填表说明", ["列名", "示例", "说明"], widths=[12, 22, 60])
    for title in HEADERS:
        example, note = EXAMPLE.get(title, ("", ""))
        guide.append([title, example, note])
    guide.append([])
    guide.append(["", "", "从第 2 行起每行填一人；表头可以在标题行之下，列的顺序不限。"])
    guide.append(["", "", "身份证号、手机号列请保持“文本”格式，否则 Excel 会改动号码。"])
    return book.to_bytes()
