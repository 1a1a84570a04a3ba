from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactWay(models.TextChoices):
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    VISIT = "visit", _("走访")
    LETTER = "letter", _("书信")
    OTHER = "other", _("其他")


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("组织生活（三会一课）")
    STUDY = "study", _("学习")
    SERVICE = "service", _("志愿服务")
    OTHER = "other", _("其他")


REMINDER_KIND = "mobile.contact_due"
# The org at the place is told a member of another branch is registered to it.
HOSTED_KIND = "mobile.hosted"


def quarter_of(day: datetime.date) -> str:
    """ "2026Q2"."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_label(code: str) -> str:
    year, q = code.split("Q")
    return f"{year} 年第{'一二三四'[int(q) - 1]}季度"
