from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.study.enums import QuestionKind


def _org_choices(field: Any, orgs: Any) -> None:
    # Only orgs the person manages are offered; a forged choice fails validation.
    field.queryset = orgs.exclude(kind=OrgKind.GROUP).order_by("path")
    choices: list[tuple[Any, str]] = [(o.pk, f"{o.name}（{o.code}）") for o in field.queryset]
    if len(choices) == 1:
        field.initial = choices[0][0]
    else:
        choices.insert(0, ("", "请选择"))
    field.widget.choices = choices


class BankUploadForm(forms.Form):
    org = forms.ModelChoiceField(label="导入到哪个组织的题库", queryset=Org.objects.none())
    file = forms.FileField(
        label="题库文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _org_choices(self.fields["org"], orgs)


class BankFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="题型", required=False, choices=[("", "全部题型"), *QuestionKind.choices]
    )
    q = forms.CharField(label="搜索题干", required=False, max_length=50)
    tag = forms.CharField(label="标签", required=False, max_length=20)
