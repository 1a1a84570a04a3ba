"""Rules a member record must satisfy, shared by the member form and the roster import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from xianfeng.common.text import is_blank
from xianfeng.people.enums import MemberStatus
from xianfeng.people.idcard import birth_date_of, gender_of, id_problem

# 《中国共产党章程》第一条: 年满十八岁 may apply to join.
MIN_JOIN_AGE = 18


@dataclass
class MemberData:
    """A member's registry fields as typed values, before they are saved."""

    name: str = ""
    phone: str = ""
    id_number: str = ""
    gender: str = ""
    ethnicity: str = "汉族"
    birth_date: datetime.date | None = None
    education: str = ""
    joined_on: datetime.date | None = None
    confirmed_on: datetime.date | None = None
    status: str = ""
    is_mobile: bool = False
    mobile_place: str = ""
    position: str = ""
    org_id: int | None = None
    group_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _years_between(start: datetime.date, end: datetime.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def member_problems(data: MemberData, *, today: datetime.date | None = None) -> dict[str, str]:
    """Fill what the ID number implies and return {field: Chinese message} for what is wrong."""
    today = today or datetime.date.today()
    problems: dict[str, str] = {}
    if is_blank(data.name):
        problems["name"] = "请填写姓名"
    elif len(data.name) > 50:
        problems["name"] = "姓名过长（最多 50 个字）"
    if data.id_number:
        problem = id_problem(data.id_number)
        if problem:
            problems["id_number"] = problem
        else:
            born, gender = birth_date_of(data.id_number), gender_of(data.id_number)
            if data.birth_date and data.birth_date != born:
                problems["birth_date"] = (
                    f"出生日期 {data.birth_date:%Y-%m-%d} 与身份证号（{born:%Y-%m-%d}）不一致"
                )
            if data.gender and data.gender != gender:
                problems["gender"] = "性别与身份证号不一致"
            data.birth_date = data.birth_date or born
            data.gender = data.gender or gender
    for name, label in (
        ("birth_date", "出生日期"),
        ("joined_on", "入党日期"),
        ("confirmed_on", "转正日期"),
    ):
        value = getattr(data, name)
        if value and value > today:
            problems.setdefault(name, f"{label}不能晚于今天")
    if (
        data.joined_on
        and data.birth_date
        and "joined_on" not in problems
        and _years_between(data.birth_date, data.joined_on) < MIN_JOIN_AGE
    ):
        problems["joined_on"] = "入党时未满 18 周岁，请核对入党日期或出生日期"
    if data.confirmed_on and data.joined_on and data.confirmed_on < data.joined_on:
        problems.setdefault("confirmed_on", "转正日期早于入党日期")
    if not data.status:
        data.status = (
            MemberStatus.FULL
            if data.confirmed_on or not data.joined_on
            else (
                MemberStatus.PROBATIONARY
                if (today - data.joined_on).days < 366
                else MemberStatus.FULL
            )
        )
    if data.status == MemberStatus.PROBATIONARY and data.confirmed_on:
        problems.setdefault("confirmed_on", "预备党员不应有转正日期")
    if data.is_mobile and not data.mobile_place:
        problems.setdefault("mobile_place", "流动党员请填写流动去向")
    return problems
