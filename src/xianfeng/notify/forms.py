from __future__ import annotations

from typing import Any

from django import forms

from xianfeng.common.forms import Form
from xianfeng.notify.enums import EXTERNAL, Allow
from xianfeng.notify.selectors import SettingsView

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


def kind_field(key: str) -> str:
    return f"kind:{key}"


class TimeInput(forms.TimeInput):
    input_type = "time"


class SettingsForm(Form):
    """The person's settings: e-mail, channels per kind, quiet hours, the digest."""

    email = forms.EmailField(label="邮箱", required=False, max_length=254)
    quiet_start = forms.TimeField(
        label="免打扰开始", required=False, widget=TimeInput(format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label="免打扰结束", required=False, widget=TimeInput(format="%H:%M")
    )
    digest = forms.BooleanField(label="开启每日汇总", required=False)
    digest_hour = forms.TypedChoiceField(
        label="汇总时间", choices=HOURS, coerce=int, required=False, empty_value=None
    )
    unbind_wechat = forms.BooleanField(label="解除公众号绑定", required=False)

    def __init__(self, *args: Any, view: SettingsView, email: str, **kwargs: Any) -> None:
        prefs = view.prefs
        kwargs.setdefault(
            "initial",
            {
                "email": email,
                "quiet_start": prefs.quiet_start,
                "quiet_end": prefs.quiet_end,
                "digest": prefs.digest,
                "digest_hour": prefs.digest_hour,
            },
        )
        super().__init__(*args, **kwargs)
        self.view = view
        choices = [(c.channel, c.label) for c in view.channels]
        self.kind_rows: list[tuple[str, list[tuple[Any, forms.BoundField]]]] = []
        for group, rows in view.groups:
            bound = []
            for row in rows:
                name = kind_field(row.kind.key)
                self.fields[name] = forms.MultipleChoiceField(
                    label=row.kind.label,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=sorted(row.chosen),
                )
                bound.append((row.kind, self[name]))
            self.kind_rows.append((group, bound))

    def channels(self) -> dict[str, list[str]]:
        return {
            kind.key: list(self.cleaned_data.get(kind_field(kind.key)) or [])
            for _, rows in self.view.groups
            for kind in (r.kind for r in rows)
        }


class PolicyForm(Form):
    """An org's word on each channel and its work groups' robots."""

    wecom_key = forms.CharField(
        label="企业微信群机器人",
        required=False,
        max_length=300,
        help_text="粘贴群机器人的 Webhook 地址或其中的 key；留空则不修改",
        widget=forms.PasswordInput(render_value=False),
    )
    dingtalk_token = forms.CharField(
        label="钉钉群机器人",
        required=False,
        max_length=300,
        help_text="粘贴机器人的 Webhook 地址或其中的 access_token；留空则不修改",
        widget=forms.PasswordInput(render_value=False),
    )
    dingtalk_secret = forms.CharField(
        label="钉钉加签密钥",
        required=False,
        max_length=100,
        help_text="机器人安全设置中的“加签”（SEC 开头）；留空则不修改",
        widget=forms.PasswordInput(render_value=False),
    )
    clear_wecom = forms.BooleanField(label="移除企业微信群机器人", required=False)
    clear_dingtalk = forms.BooleanField(label="移除钉钉群机器人", required=False)

    def __init__(self, *args: Any, inherited: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel in EXTERNAL:
            above = "允许" if channel in inherited else "不允许"
            self.fields[channel] = forms.ChoiceField(
                label=str(channel.label),
                choices=[
                    (Allow.INHERIT, f"同上级（{above}）"),
                    (Allow.ON, "允许"),
                    (Allow.OFF, "不允许"),
                ],
                widget=forms.RadioSelect,
                required=False,
            )
        self.channel_fields = [self[str(c)] for c in EXTERNAL]
