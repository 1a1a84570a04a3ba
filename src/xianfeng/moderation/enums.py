from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TextStatus(models.TextChoices):
    """Whether user text is shown: visible, held for review (a sensitive word), or rejected."""

    VISIBLE = "visible", _("已发布")
    HELD = "held", _("待审核")
    REJECTED = "rejected", _("未通过")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
