from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.common.forms import Form
from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "日期格式不对，请写成 2026-05-15 这样", "required": "请填写日期"}


def _on(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DATE, initial=timezone.localdate, error_messages=DATE_ERRORS
    )


def _reason(label: str = "原因或批准文号") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=200, error_messages={"required": "请填写原因或批准文号"}
    )


class OrgChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class OrgForm(Form):
    name = forms.CharField(label="名称", max_length=100)
    code = forms.CharField(
        label="组织代码", max_length=32, help_text="建立后不再更改，导出和上报都按代码核对"
    )
    kind = forms.ChoiceField(label="组织类别", choices=OrgKind.choices)
    region = forms.ChoiceField(label="所在地域", choices=Region.choices, initial=Region.OTHER)
    founded_on = forms.DateField(
        label="成立日期", widget=DATE, required=False, error_messages=DATE_ERRORS
    )
    reason = forms.CharField(label="批准文号或说明", max_length=200, required=False)
    sort_order = forms.IntegerField(
        label="排序", min_value=0, max_value=2_147_483_647, initial=0, required=False
    )


class RenameForm(Form):
    name = forms.CharField(label="新名称", max_length=100)
    on = _on("更名日期")
    reason = _reason()


class MoveForm(Form):
    parent = OrgChoice(
        label="新的上级组织",
        queryset=Org.objects.none(),
        error_messages={
            "required": "请选择新的上级组织",
            "invalid_choice": "所选上级组织不在您的管理范围内，或不能作为该组织的上级",
        },
    )
    on = _on("调整日期")
    reason = _reason()

    def __init__(self, *args: Any, targets: QuerySet[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = targets  # type: ignore[attr-defined]


class MergeForm(Form):
    target = OrgChoice(
        label="并入",
        queryset=Org.objects.none(),
        error_messages={
            "required": "请选择要并入的组织",
            "invalid_choice": "所选组织不在您的管理范围内，或不能合并",
        },
    )
    on = _on("合并日期")
    reason = _reason()

    def __init__(self, *args: Any, targets: QuerySet[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]


class GroupForm(Form):
    name = forms.CharField(label="党小组名称", max_length=100)
    founded_on = forms.DateField(
        label="成立日期", widget=DATE, required=False, error_messages=DATE_ERRORS
    )


class RoleGrantForm(Form):
    who = forms.CharField(label="手机号或用户名", max_length=64)
    kind = forms.ChoiceField(label="角色", choices=RoleKind.choices)
