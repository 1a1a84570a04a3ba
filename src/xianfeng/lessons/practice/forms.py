from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.lessons.practice.enums import REASON_MAX_CHARS, TOPIC_MAX_CHARS, SpeakerCategory
from xianfeng.people.models import Member


class RequestForm(Form):
    topic = forms.CharField(label="想听的课", max_length=TOPIC_MAX_CHARS)
    reason = forms.CharField(
        label="为什么想听",
        max_length=REASON_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    org = forms.ChoiceField(label="向谁点课")

    def __init__(self, *args: Any, orgs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.code: o for o in orgs}
        field = self.fields["org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in orgs]


class RotaForm(Form):
    org = forms.ChoiceField(label="党支部")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="名称", max_length=60, initial="轮番主讲")

    def __init__(self, *args: Any, orgs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.code: o for o in orgs}
        field = self.fields["org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.code, o.name) for o in orgs]


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.name)


class SlotForm(Form):
    speaker = MemberChoiceField(label="主讲人", queryset=Member.objects.none())
    category = forms.ChoiceField(label="类别", choices=SpeakerCategory.choices)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label="题目（可不填）", max_length=TOPIC_MAX_CHARS, required=False)

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["speaker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Member.objects.filter(org=org).select_related("user").order_by("user__name")
        )
