"""Chinese resident ID numbers (GB 11643-1999) and phone numbers: checks and masks."""

from __future__ import annotations

import datetime
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def id_problem(number: str) -> str | None:
    """None for a valid 18-digit ID number, else the reason in Chinese."""
    if not ID_RE.match(number):
        return "身份证号应为 18 位：17 位数字加 1 位数字或 X"
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在"
    if born.year < 1900 or born > datetime.date.today():
        return "身份证号中的出生日期不合理"
    if check_digit(number[:17]) != number[17]:
        return "身份证号校验位不正确，请核对是否抄错"
    return None


def birth_date_of(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """'M' or 'F': the 17th digit is odd for men."""
    return "M" if int(number[16]) % 2 else "F"


def mask_id(number: str) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]
