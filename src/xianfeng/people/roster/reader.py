"""Reading a roster workbook: the header under title rows, each row, duplicates within the
file and against the registry."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from xianfeng.orgs.models import Org
from xianfeng.people.checks import MemberData, member_problems
from xianfeng.people.enums import Education, Gender, MemberStatus
from xianfeng.people.idcard import birth_date_of, mask_id, mask_phone
from xianfeng.people.normalize import clean_compact, clean_name, clean_text

# Where to look for the header row: under a title, a date line, a blank row or two.
from xianfeng.people.roster.cells import (
    ALIASES,
    COLUMNS,
    DATE_FIELDS,
    EDUCATION_HINT,
    EDUCATIONS,
    EXTRA_PHYSICAL_ROWS,
    GENDERS,
    HEADER_SCAN_ROWS,
    LABELS,
    MAX_LENGTHS,
    MIN_KNOWN_HEADERS,
    MSG_NO_HEADER,
    MSG_NOT_XLSX,
    MSG_OLD_XLS,
    NO,
    REQUIRED,
    STATUSES,
    YES,
    RosterUnreadable,
    _cell_text,
    _is_blank,
    _read_choice,
    normalize_header,
    read_date,
    read_id_number,
    read_phone,
)
from xianfeng.people.roster.matching import is_footer, match_registry
from xianfeng.people.roster.orgs import (
    OrgIndex,
)


@dataclass
class RosterRow:
    """One data row of the workbook, read into a member's fields."""

    sheet: str
    row: int
    data: MemberData
    org_name: str = ""
    group_name: str = ""
    # What committing the row does: "create" a member and an account, "update" the member
    # whose ID number it carries (`member_id`, with `changes`), or "attach" a new member
    # record to the existing account with its phone (`user_id`).
    action: str = "create"
    member_id: int | None = None
    user_id: int | None = None
    changes: list[dict[str, str]] = field(default_factory=list)
    given: frozenset[str] = frozenset()

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
    # Fields whose cell was filled in: an update changes only these.
    given: set[str] = field(default_factory=set)
    action: str = "create"
    member_id: int | None = None
    user_id: int | None = None
    changes: list[dict[str, str]] = field(default_factory=list)


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


def _read_row(sheet: _Sheet, row: int, values: tuple[Any, ...], epoch: Any) -> _Pending:
    def cell(name: str) -> Any:
        index = sheet.columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    data = MemberData(name=clean_name(_cell_text(cell("name"))), status="", ethnicity="")
    pending = _Pending(sheet=sheet, row=row, data=data)
    problems = pending.problems
    pending.given = {name for name in sheet.columns if not _is_blank(cell(name))}

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
        match_registry(pendings, org)
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
                action=pending.action,
                member_id=pending.member_id,
                user_id=pending.user_id,
                changes=pending.changes,
                given=frozenset(pending.given),
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
        blank_seen, sheet_rows = False, 0
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
            if is_footer(values, after_blank=blank_seen):
                break  # 填表人、审核人、注: what is below the table is not data
            if all(_is_blank(value) for value in mapped):
                blank_seen = blank_seen or sheet_rows > 0
                continue
            sheet_rows += 1
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
