from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专")
    HIGH = "high", _("高中")
    JUNIOR = "junior", _("初中")
    PRIMARY = "primary", _("小学及以下")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    COMMITTED = "committed", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")
