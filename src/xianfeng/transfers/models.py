from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.transfers.enums import TransferDirection, TransferState


class Transfer(models.Model):
    """组织关系转接 of one member: between two branches inside the system, out of it (to an
    org outside, with a 介绍信 and its 回执) or into it (registered from the outside letter)."""

    member = models.ForeignKey(
        "people.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(
        _("转接方向"), max_length=16, choices=TransferDirection.choices,
        default=TransferDirection.INTERNAL,
    )  # fmt: skip
    # None on the side outside the system (from_org of a transfer in, to_org of one out).
    from_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("转出组织"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    to_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("转入组织"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # The org outside the system (where a member goes, or comes from), as its letter names it.
    outside_org = models.CharField(_("系统外党组织"), max_length=100, blank=True)
    # The outside org's own 介绍信编号 (transfers in) or its 回执 note (transfers out).
    outside_number = models.CharField(_("对方介绍信编号或回执"), max_length=100, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=TransferState.choices, default=TransferState.PENDING
    )
    reason = models.CharField(_("转接原因"), max_length=200)
    # 介绍信编号: 年份 + 转出组织代码 + 顺序号, given when the transfer starts.
    number = models.CharField(_("介绍信编号"), max_length=64, unique=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    started_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收经办人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    # The day the member belongs to the receiving branch (the accepting day by default).
    effective_on = models.DateField(_("转入日期"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("催办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One open transfer per member: a double click starts it once.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state=TransferState.PENDING),
                name="transfer_one_pending_per_member",
            ),
            # Each side inside the system is named by its org; outside, by its name.
            models.CheckConstraint(
                condition=Q(
                    direction=TransferDirection.INTERNAL,
                    from_org__isnull=False,
                    to_org__isnull=False,
                )
                | Q(direction=TransferDirection.OUT, from_org__isnull=False, to_org__isnull=True)
                | Q(direction=TransferDirection.IN, from_org__isnull=True, to_org__isnull=False),
                name="transfer_sides_match_direction",
            ),
        ]
        indexes = [
            models.Index(fields=["to_org", "state"], name="transfer_to_state_idx"),
            models.Index(fields=["from_org", "state"], name="transfer_from_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_state_display()}"

    @property
    def from_name(self) -> str:
        return self.from_org.name if self.from_org else self.outside_org

    @property
    def to_name(self) -> str:
        return self.to_org.name if self.to_org else self.outside_org
