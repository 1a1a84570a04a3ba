from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Fact(models.Model):
    """One indicator's figure for one org and month: the org's own records plus its
    subtree's, as numerator and denominator, so every roll-up is a sum (common/indicators)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.CASCADE, related_name="facts"
    )
    indicator = models.CharField(_("指标"), max_length=64)
    month = models.DateField(_("月份"))  # the first day of the month
    numerator = models.FloatField(_("分子"))
    denominator = models.FloatField(_("分母"), default=1)
    # Only this org's own records (the rest comes from its children), for drill-down.
    own_numerator = models.FloatField(_("本级分子"), default=0)
    own_denominator = models.FloatField(_("本级分母"), default=0)
    value = models.FloatField(_("数值"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标数值")
        verbose_name_plural = _("指标数值")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "month", "org"], name="fact_once_per_org_month"
            )
        ]
        indexes = [models.Index(fields=["org", "month"], name="fact_org_month_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m} {self.org_id}: {self.value}"
