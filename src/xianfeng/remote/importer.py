"""Sites from a workbook (`manage.py import_sites`, the upload page): the header under
title rows, full-width text, footer rows ignored, each row checked; then one atomic commit.

Columns: 站点编码, 站点名称, 所属党组织 (name or 组织代码), 类型, 地址, 管理员手机号,
启用日期 (optional: the service start).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction

from xianfeng.common.errors import Refused
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.people.models import User
from xianfeng.people.roster.cells import (
    _cell_text,
    normalize_header,
    read_date,
    read_phone,
)
from xianfeng.people.roster.reader import _open_workbook, _sheet_rows
from xianfeng.remote import services
from xianfeng.remote.enums import SiteKind
from xianfeng.remote.models import Site, site_code_validator

if TYPE_CHECKING:
    from xianfeng.people.models import User as UserType

COLUMNS = {
    "code": ("站点编码", "站点代码", "编码", "站点编号"),
    "name": ("站点名称", "站点名", "名称"),
    "org": ("所属党组织", "所属组织", "党组织", "组织代码", "所属党组织代码"),
    "kind": ("类型", "站点类型"),
    "address": ("地址", "站点地址"),
    "admin_phone": ("管理员手机号", "站点管理员手机号", "管理员电话", "手机号"),
    "service_start": ("启用日期", "开通日期", "启用时间"),
}
ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
REQUIRED = ("code", "name", "org")
KINDS = {str(label): value for value, label in SiteKind.choices} | {
    "村": SiteKind.VILLAGE,
    "社区": SiteKind.COMMUNITY,
    "入户": SiteKind.HOUSEHOLD,
    "户外": SiteKind.OUTDOOR,
    "企业": SiteKind.COMPANY,
    "学校": SiteKind.SCHOOL,
    "村社区站点": SiteKind.VILLAGE,
}
KIND_HINT = "、".join(str(label) for _, label in SiteKind.choices)
FOOTER = re.compile(r"^(合计|总计|小计|填表|制表|审核|备注|说明|注[:：])")
HEADER_SCAN_ROWS = 15
MAX_ROWS = 50_000


@dataclass
class SiteRow:
    row: int
    code: str = ""
    name: str = ""
    org: Org | None = None
    kind: str = SiteKind.VILLAGE
    address: str = ""
    admin: UserType | None = None
    service_start: datetime.date | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class SiteImport:
    rows: list[SiteRow]

    @property
    def errors(self) -> list[SiteRow]:
        return [r for r in self.rows if r.problems]


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", _cell_text(value)).strip()


def read_sites(file: IO[bytes], *, within: Org | None = None) -> SiteImport:
    """Every data row of the workbook's first sheet with a header, checked; orgs must lie
    in `within`'s subtree."""
    book = _open_workbook(file)
    columns: dict[str, int] = {}
    found: list[SiteRow] = []
    scope = Org.objects.filter(subtree_q([within.path], field="path")) if within else Org.objects
    orgs = {o.code: o for o in scope.all()}
    by_name: dict[str, list[Org]] = {}
    for o in orgs.values():
        by_name.setdefault(unicodedata.normalize("NFKC", o.name).replace(" ", ""), []).append(o)
    for ws in book.worksheets:
        columns = {}
        for number, values in _sheet_rows(ws, MAX_ROWS):
            if not columns:
                if number > HEADER_SCAN_ROWS:
                    break
                candidate = {
                    ALIASES[h]: i
                    for i, v in enumerate(values)
                    if (h := normalize_header(v)) in ALIASES
                }
                if all(name in candidate for name in REQUIRED):
                    columns = candidate
                continue
            cells = {name: values[i] if i < len(values) else None for name, i in columns.items()}
            texts = {name: _text(v) for name, v in cells.items()}
            if not any(texts.values()):
                continue
            first = next((t for t in (_text(v) for v in values) if t), "")
            if FOOTER.match(first) and not texts["name"]:
                continue
            if FOOTER.match(texts["code"]):
                continue
            found.append(_read_row(number, cells, texts, orgs, by_name, within))
        if columns:
            break
    if not columns:
        raise Refused(
            "没有找到表头：表格前 15 行中应有一行列名，包含“站点编码”“站点名称”“所属党组织”",
            field="file",
        )
    _check_duplicates(found)
    return SiteImport(found)


def _read_row(
    number: int,
    cells: dict[str, Any],
    texts: dict[str, str],
    orgs: dict[str, Org],
    by_name: dict[str, list[Org]],
    within: Org | None,
) -> SiteRow:
    row = SiteRow(row=number, code=texts["code"].replace(" ", ""), name=texts["name"])
    if not row.code:
        row.problems.append("缺少站点编码")
    else:
        try:
            site_code_validator(row.code)
        except Exception:
            row.problems.append(f"站点编码“{row.code}”只能包含字母、数字、下划线和短横线")
    if not row.name:
        row.problems.append("缺少站点名称")
    elif len(row.name) > 100:
        row.problems.append("站点名称超过 100 字")
    org_text = texts["org"]
    compact = org_text.replace(" ", "")
    if not org_text:
        row.problems.append("缺少所属党组织")
    elif compact in orgs:
        row.org = orgs[compact]
    else:
        named = by_name.get(compact, [])
        if len(named) == 1:
            row.org = named[0]
        elif len(named) > 1:
            row.problems.append(f"有 {len(named)} 个党组织名为“{org_text}”，请改填组织代码")
        else:
            where = f"（须在“{within.name}”之下）" if within else ""
            row.problems.append(f"找不到党组织“{org_text}”{where}")
    kind_text = texts.get("kind", "").replace(" ", "")
    if kind_text:
        if kind_text in KINDS:
            row.kind = KINDS[kind_text]
        else:
            row.problems.append(f"类型“{kind_text}”不正确，应为{KIND_HINT}之一")
    row.address = texts.get("address", "")[:200]
    if "admin_phone" in cells:
        phone, problem = read_phone(cells["admin_phone"])
        if problem:
            row.problems.append(problem)
        elif phone:
            row.admin = User.objects.filter(phone=phone, is_active=True).first()
            if row.admin is None:
                row.problems.append(f"找不到手机号为 {phone} 的用户，请先登记该管理员")
    if "service_start" in cells:
        date = read_date(cells["service_start"])
        if date.problem:
            row.problems.append(date.problem)
        row.service_start = date.value
    return row


def _check_duplicates(rows: list[SiteRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen and row.code:
            row.problems.append(f"站点编码“{row.code}”与第 {seen[row.code]} 行重复")
        seen.setdefault(row.code, row.row)
    codes = [r.code for r in rows if r.code]
    taken = set(Site.objects.filter(code__in=codes).values_list("code", flat=True))
    for row in rows:
        if row.code in taken:
            row.problems.append(f"站点编码“{row.code}”已存在")


def commit_sites(result: SiteImport, *, actor: UserType | None) -> list[Site]:
    """Create every site of a checked import at once (nothing when any row has a problem)."""
    if result.errors:
        raise Refused("表格中有错误的行，请改正后再导入", field="file")
    created = []
    with transaction.atomic():
        for row in result.rows:
            assert row.org is not None
            site = services.site_create(
                actor=actor,
                org=row.org,
                code=row.code,
                name=row.name,
                kind=row.kind,
                address=row.address,
                service_start=row.service_start,
            )
            if row.admin is not None:
                services.site_admin_grant(actor=actor, site=site, user=row.admin)
            created.append(site)
    return created
