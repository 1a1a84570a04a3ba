from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from xianfeng.common.forms import Form
from xianfeng.mobility.enums import ActivityKind, ContactWay

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式不对，请写成 2026-05-15 这样", "required": "请填写日期"}


class RegisterForm(Form):
    place = forms.CharField(label="流入地", max_length=100, help_text="如：广东省深圳市宝安区")
    workplace = forms.CharField(label="工作单位或从业情况", max_length=100, required=False)
    phone = forms.CharField(label="外出联系电话", max_length=20)
    host_code = forms.CharField(
        label="流入地党组织代码（系统内）", max_length=40, required=False,
        help_text="对方党组织在本系统中的，填组织代码，对方可记录其参加的组织生活",
    )  # fmt: skip
    host_name = forms.CharField(label="流入地党组织（系统外）", max_length=100, required=False)
    host_contact = forms.CharField(label="流入地联系人及电话", max_length=100, required=False)
    card_number = forms.CharField(label="流动党员活动证编号", max_length=40, required=False)
    left_on = forms.DateField(
        label="外出日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    expected_back = forms.DateField(
        label="预计返回日期", widget=DATE, required=False, error_messages=DATE_ERRORS
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})


class ContactForm(Form):
    on = forms.DateField(
        label="联系日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    way = forms.ChoiceField(label="联系方式", choices=ContactWay.choices)
    summary = forms.CharField(
        label="联系情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="思想、工作、学习和参加组织生活情况",
    )  # fmt: skip


class ActivityForm(Form):
    on = forms.DateField(
        label="日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
    kind = forms.ChoiceField(label="类别", choices=ActivityKind.choices)
    title = forms.CharField(label="内容", max_length=200, help_text="如：参加 5 月主题党日")


class ReturnForm(Form):
    returned_on = forms.DateField(
        label="返回日期", widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )
