from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.people.models import Member


class SpeakerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.name}（{obj.org.name}）"


class ScheduleForm(Form):
    """Announce a live: title, time, who watches (an org's subtree), speaker, reminder."""

    title = forms.CharField(label="直播标题", max_length=80)
    scheduled_at = forms.DateTimeField(
        label="开播时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    audience = forms.ChoiceField(label="观看范围（含下级组织）")
    speaker = SpeakerField(label="主讲人", queryset=Member.objects.none())
    remind_minutes = forms.TypedChoiceField(
        label="开播前提醒",
        coerce=int,
        choices=[(5, "5 分钟"), (15, "15 分钟"), (30, "30 分钟"), (60, "1 小时"), (0, "不提醒")],
        initial=15,
    )

    def __init__(self, *args: Any, orgs: list[Any], speakers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.code: o for o in orgs}
        audience = self.fields["audience"]
        assert isinstance(audience, forms.ChoiceField)
        audience.choices = [(o.code, o.name) for o in orgs]
        speaker = self.fields["speaker"]
        assert isinstance(speaker, forms.ModelChoiceField)
        speaker.queryset = speakers
