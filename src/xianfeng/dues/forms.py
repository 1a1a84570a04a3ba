from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from xianfeng.common.forms import Form
from xianfeng.common.indicators import Month
from xianfeng.dues.calc import DEFAULT_BRACKETS, DEFAULT_FIXED, brackets_text
from xianfeng.dues.enums import DuesCategory, PaymentMethod
from xianfeng.orgs.models import Org

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式不对，请写成 2026-05-15 这样", "required": "请填写日期"}
MONEY_ERRORS = {"invalid": "请填写金额，如 4500 或 4500.50", "required": "请填写金额"}


class RuleForm(Form):
    org = forms.ModelChoiceField(
        label="制定组织", queryset=Org.objects.none(), empty_label=None,
        error_messages={"invalid_choice": "请选择您管理的党委"},
    )  # fmt: skip
    effective_from = forms.DateField(label="执行日期", widget=DATE, error_messages=DATE_ERRORS)
    in_work = forms.CharField(
        label="在职党员（每行：月收入上限 比例%）",
        widget=forms.Textarea(attrs={"rows": 4}),
        initial=brackets_text(DEFAULT_BRACKETS[DuesCategory.IN_WORK]),
        help_text="如“3000 0.5”表示 3000 元及以下交 0.5%，最后一行写“以上 2”",
    )
    retired = forms.CharField(
        label="离退休党员（每行：月收入上限 比例%）",
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=brackets_text(DEFAULT_BRACKETS[DuesCategory.RETIRED]),
    )
    student = forms.DecimalField(
        label="学生（元/月）", min_value=0, max_digits=7, decimal_places=2,
        initial=DEFAULT_FIXED[DuesCategory.STUDENT], error_messages=MONEY_ERRORS,
    )  # fmt: skip
    unemployed = forms.DecimalField(
        label="下岗失业（元/月）", min_value=0, max_digits=7, decimal_places=2,
        initial=DEFAULT_FIXED[DuesCategory.UNEMPLOYED], error_messages=MONEY_ERRORS,
    )  # fmt: skip
    subsistence = forms.DecimalField(
        label="享受最低生活保障（元/月）", min_value=0, max_digits=7, decimal_places=2,
        initial=DEFAULT_FIXED[DuesCategory.SUBSISTENCE], error_messages=MONEY_ERRORS,
    )  # fmt: skip
    note = forms.CharField(label="说明（文件依据）", max_length=200, required=False)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class AssessForm(Form):
    year = forms.IntegerField(label="年度", error_messages={"invalid": "请填写年份"})
    category = forms.ChoiceField(label="类别", choices=DuesCategory.choices)
    base_income = forms.DecimalField(
        label="月计算基数（税后月收入，元）", required=False, min_value=0, max_digits=10,
        decimal_places=2, error_messages=MONEY_ERRORS,
        help_text="学生、下岗失业、低保、免交党员不用填写",
    )  # fmt: skip
    exempt_reason = forms.CharField(
        label="免交原因（类别为经批准免交时填写）", max_length=200, required=False,
        help_text="如：生活困难，经支部党员大会讨论同意",
    )  # fmt: skip
    exempt_approved_on = forms.DateField(
        label="上级党委批准日期（免交）", widget=DATE, required=False, error_messages=DATE_ERRORS
    )
    exempt_decision = forms.CharField(
        label="批准文号或批准组织（免交）", max_length=100, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["base_income"].widget.attrs["inputmode"] = "decimal"


class PayForm(Form):
    month_from = forms.CharField(label="从（月份）", max_length=7, help_text="如 2026-05")
    month_to = forms.CharField(
        label="到（月份）", max_length=7, required=False, help_text="只交一个月可不填"
    )
    paid_on = forms.DateField(
        label="交纳日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    method = forms.ChoiceField(
        label="交纳方式",
        choices=[(PaymentMethod.CASH, "现场交纳"), (PaymentMethod.TRANSFER, "转账")],
    )
    reference = forms.CharField(label="转账流水号（选填）", max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("month_from", "month_to"):
            self.fields[name].widget.attrs.update({"type": "month", "placeholder": "2026-05"})

    def _month(self, name: str) -> Month | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            return Month.parse(raw)
        except ValueError as exc:
            self.add_error(name, str(exc))
            return None

    def months(self) -> list[Month]:
        first = self._month("month_from")
        last = self._month("month_to") or first
        if first is None or last is None:
            return []
        if last < first:
            self.add_error("month_to", "结束月份不能早于开始月份")
            return []
        found = [first]
        while found[-1] < last and len(found) < 24:
            found.append(found[-1].next())
        if found[-1] < last:
            self.add_error("month_to", "一次最多登记 24 个月")
            return []
        return found
