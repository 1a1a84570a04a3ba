"""Forms of the site administration pages (parsing only: the rules are in services)."""

from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org

XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SitesUploadForm(Form):
    org = forms.ModelChoiceField(
        label="导入到",
        queryset=Org.objects.none(),
        help_text="表中的“所属党组织”须是这个组织或它下面的组织",
    )
    file = forms.FileField(
        label="站点表（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT})
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        # Only orgs the person administers are offered; a forged choice fails validation.
        field.queryset = orgs.exclude(kind=OrgKind.GROUP).order_by("path")
        choices = [(org.pk, f"{org.name}（{org.code}）") for org in field.queryset]
        if len(choices) == 1:
            field.initial = choices[0][0]
        field.choices = choices if len(choices) == 1 else [("", "请选择"), *choices]


class SuspensionForm(Form):
    starts_on = forms.DateField(label="停用开始", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="停用结束（含当天）", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="原因", max_length=200, help_text="如：设备维修、站点搬迁")


class TargetForm(Form):
    min_viewings = forms.IntegerField(label="每月组织收看（次）", min_value=0, max_value=31)
    min_hours = forms.IntegerField(label="每月运行（小时）", min_value=0, max_value=744)
    boot_rate_pct = forms.IntegerField(label="开机率目标（%）", min_value=0, max_value=100)


class PhotoForm(Form):
    image = forms.FileField(
        label="讨论照片", widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class HouseholdMemberForm(Form):
    member = forms.TypedChoiceField(label="家庭成员（党员）", coerce=int)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["member"]
        # Only members of the site's org not yet in a household are offered.
        field.choices = [("", "请选择")] + [
            (m.pk, f"{m.user.name or m.user.username}（{m.org.name}）") for m in members
        ]
