from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    EARN = "earn", _("获得")
    REVERSE = "reverse", _("撤回")


class Period(models.TextChoices):
    WEEK = "week", _("本周")
    MONTH = "month", _("本月")
    YEAR = "year", _("本年")


class RankScope(models.TextChoices):
    BRANCH = "branch", _("本支部")
    TOWN = "town", _("本镇街")
    COUNTY = "county", _("全县")
