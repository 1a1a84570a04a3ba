from __future__ import annotations

from django import forms

from xianfeng.orgs.enums import OrgKind, Region, RoleKind


class OrgForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    code = forms.CharField(label="组织代码", max_length=32)
    kind = forms.ChoiceField(label="组织类别", choices=OrgKind.choices)
    region = forms.ChoiceField(label="所在地域", choices=Region.choices, initial=Region.OTHER)
    sort_order = forms.IntegerField(
        label="排序", min_value=0, max_value=2_147_483_647, initial=0, required=False
    )


class RoleGrantForm(forms.Form):
    who = forms.CharField(label="手机号或用户名", max_length=64)
    kind = forms.ChoiceField(label="角色", choices=RoleKind.choices)
