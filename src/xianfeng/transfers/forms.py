from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from xianfeng.common.forms import Form
from xianfeng.people.forms import MemberForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式不对，请写成 2026-05-15 这样", "required": "请填写日期"}


class TransferInForm(MemberForm):
    """登记从系统外转入: the person's registry fields and the outside letter."""

    outside_org = forms.CharField(label="转出党组织（介绍信抬头）", max_length=100)
    outside_number = forms.CharField(label="介绍信编号", max_length=100)
    effective_on = forms.DateField(
        label="转入日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    reason = forms.CharField(label="转接原因", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("group", "is_mobile", "mobile_place", "position"):
            del self.fields[name]
        self.fields["org"].label = "转入的党支部"


class CompleteOutForm(Form):
    effective_on = forms.DateField(
        label="转出日期（回执上的接收日期）", widget=DATE, error_messages=DATE_ERRORS
    )
    receipt = forms.CharField(label="回执编号或说明", max_length=100, required=False)
