"""Rows against the registry: which rows create a member, update one or attach a record to
an existing account, with the changed fields of each update; and where the table ends."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from xianfeng.orgs.models import Org
from xianfeng.people.enums import ON_ROLL, Education, Gender, MemberStatus
from xianfeng.people.models import Member, User
from xianfeng.people.roster.cells import DB_CHUNK, LABELS, _cell_text, _is_blank

if TYPE_CHECKING:
    from xianfeng.people.roster.reader import _Pending

S = MemberStatus

# What rosters put below the table: who filled it in and when, who checked it, notes.
FOOTER_WORDS = (
    "填表人",
    "填报人",
    "填表日期",
    "填报日期",
    "制表人",
    "制表日期",
    "审核人",
    "审核",
    "负责人",
    "单位盖章",
    "盖章",
    "备注",
    "注",
    "说明",
    "附注",
)
_FOOTER = re.compile(r"^(?:" + "|".join(FOOTER_WORDS) + r")(?:[:：\s]|$)")
_SPACES = re.compile(r"\s+")

# Fields an update may change, in the order the preview lists them.
UPDATE_FIELDS = (
    "name",
    "phone",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "confirmed_on",
    "status",
    "is_mobile",
    "mobile_place",
    "position",
    "org_id",
    "group_id",
)
USER_FIELDS = ("name", "phone")
FIELD_LABELS = {**LABELS, "org_id": "所在党组织", "group_id": "党小组"}

MSG_ELSEWHERE = "该身份证号已登记在本次导入范围以外的党组织；如是调入，请由原支部办理组织关系转接"
MSG_PHONE_TAKEN = "该手机号已被系统中的其他用户使用"
MSG_ATTACH_NAME = "该手机号已注册账号，但账号姓名与本行姓名不一致，请核对"


def is_footer(values: tuple[Any, ...], *, after_blank: bool) -> bool:
    """True for the first row below the table: 填表人/填表日期/审核人/备注/注…, or, after a
    blank row, a row with a single filled cell (a note written across the sheet)."""
    filled = [_cell_text(v) for v in values if not _is_blank(v)]
    if not filled:
        return False
    first = _SPACES.sub("", unicodedata.normalize("NFKC", filled[0]))
    if _FOOTER.match(first):
        return True
    return after_blank and len(filled) == 1


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), DB_CHUNK):
        yield values[start : start + DB_CHUNK]


def display(name: str, value: Any, orgs: dict[int, str]) -> str:
    """A field's value as the preview shows it."""
    if value is None or value == "":
        return "（空）"
    if name in ("org_id", "group_id"):
        return orgs.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return value.isoformat()
    for choices, field in ((Gender, "gender"), (Education, "education"), (MemberStatus, "status")):
        if name == field:
            try:
                return str(choices(value).label)
            except ValueError:
                return str(value)
    return str(value)


def current_values(member: Member) -> dict[str, Any]:
    """A member's values of UPDATE_FIELDS, as they are now."""
    values: dict[str, Any] = {name: getattr(member.user, name) for name in USER_FIELDS}
    for name in UPDATE_FIELDS:
        if name not in USER_FIELDS:
            values[name] = getattr(member, name)
    values["phone"] = values["phone"] or ""
    return values


def _compared(pending: _Pending) -> list[str]:
    """The fields a row speaks for: filled cells only, so an empty cell never clears."""
    given = pending.given
    names = [n for n in UPDATE_FIELDS if n in given]
    if "confirmed_on" in given and "status" not in names:
        names.append("status")  # a 转正日期 makes a full member (checks.member_problems)
    if given & {"org", "org_code"}:
        names += ["org_id", "group_id"]
    elif "group" in given:
        names.append("group_id")
    return [n for n in UPDATE_FIELDS if n in names]


def row_changes(pending: _Pending, member: Member) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for the fields the row changes on `member`."""
    before = current_values(member)
    data = pending.data
    changes: dict[str, tuple[Any, Any]] = {}
    for name in _compared(pending):
        new = getattr(data, name)
        if name == "group_id" and "org_id" not in changes and "group" not in pending.given:
            continue
        if before[name] != new:
            changes[name] = (before[name], new)
    if "org_id" in changes and "group_id" not in changes and data.group_id != before["group_id"]:
        changes["group_id"] = (before["group_id"], data.group_id)
    return changes


def match_registry(pendings: list[_Pending], org: Org) -> None:
    """Decide each row's action against the registry (a few queries for the whole file)."""
    ids = sorted(
        {p.data.id_number for p in pendings if p.data.id_number and "id_number" not in p.problems}
    )
    phones = sorted({p.data.phone for p in pendings if p.data.phone and "phone" not in p.problems})
    by_id: dict[str, Member] = {}
    for chunk in _chunks(ids):
        for known in Member.objects.filter(id_number__in=chunk).select_related("user", "org"):
            by_id[known.id_number or ""] = known
    by_phone: dict[str, tuple[int, str, bool]] = {}
    for chunk in _chunks(phones):
        for pk, phone, name, member_pk in User.objects.filter(phone__in=chunk).values_list(
            "pk", "phone", "name", "member__pk"
        ):
            by_phone[phone or ""] = (pk, name, member_pk is not None)
    org_ids = {p.data.org_id for p in pendings} | {p.data.group_id for p in pendings}
    org_ids |= {m.org_id for m in by_id.values()} | {m.group_id for m in by_id.values()}
    names = dict(Org.objects.filter(pk__in=[i for i in org_ids if i]).values_list("pk", "name"))
    for pending in pendings:
        data, problems = pending.data, pending.problems
        member = by_id.get(data.id_number) if "id_number" not in problems else None
        owner = by_phone.get(data.phone) if "phone" not in problems else None
        if member is not None:
            if not member.org.path.startswith(org.path):
                problems["id_number"] = MSG_ELSEWHERE
                continue
            if owner is not None and owner[0] != member.user_id:
                problems["phone"] = MSG_PHONE_TAKEN
            if member.status not in ON_ROLL:
                problems["id_number"] = (
                    f"该党员已{member.get_status_display()}，不能通过名册导入修改"
                )
                continue
            pending.action, pending.member_id, pending.user_id = (
                "update",
                member.pk,
                member.user_id,
            )
            found = row_changes(pending, member)
            if "status" in found and found["status"] != (S.PROBATIONARY, S.FULL):
                problems["status"] = (
                    "正式党员不能改为预备党员；转正、延长预备期等请在党员页的“党籍变动”中办理"
                )
            pending.changes = [
                {
                    "field": name,
                    "label": FIELD_LABELS[name],
                    "old": display(name, old, names),
                    "new": display(name, new, names),
                }
                for name, (old, new) in found.items()
            ]
        elif owner is not None:
            pk, name, has_member = owner
            if has_member:
                problems["phone"] = MSG_PHONE_TAKEN
            elif name and data.name and name != data.name:
                problems["phone"] = MSG_ATTACH_NAME
            else:
                pending.action, pending.user_id = "attach", pk
