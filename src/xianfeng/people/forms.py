from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from xianfeng.common.forms import FilterForm, Form
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, OrgKind, Region
from xianfeng.orgs.models import Org
from xianfeng.people.auth import INVALID_LOGIN, locked_message, login_was_locked
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import (
    EDITABLE_STATUSES,
    Education,
    Gender,
    MemberStatus,
    StatusChangeKind,
)
from xianfeng.people.models import Member, User
from xianfeng.people.normalize import clean_compact, clean_name, clean_text


def _new_password(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _passwords_match(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("password") and data.get("password") != data.get("password2"):
        form.add_error("password2", "两次输入的密码不一致")
    return data


class LoginForm(Form):
    username = forms.CharField(
        label="手机号或用户名",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        # The backend counts failures per account and address and refuses while locked.
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            if login_was_locked(self.request):
                raise forms.ValidationError(locked_message(), code="locked")
            raise forms.ValidationError(INVALID_LOGIN, code="invalid_login")
        self.user = user if isinstance(user, User) else None
        return data


class CodeForm(Form):
    """The 6-digit code of an authenticator app (two-step sign-in)."""

    code = forms.CharField(
        label="验证码",
        max_length=12,
        help_text="打开手机上的验证器应用，输入“先锋”当前显示的 6 位数字",
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class RegisterForm(Form):
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(
        label="手机号",
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    home_org = forms.ModelChoiceField(
        label="所在村或社区",
        queryset=Org.objects.filter(region__in=[Region.VILLAGE, Region.TOWN])
        .exclude(kind=OrgKind.GROUP)
        .order_by("path"),
        required=False,
        help_text="可不填，之后在个人页补充",
    )
    password = _new_password("密码")
    password2 = _new_password("再次输入密码")

    def clean(self) -> dict[str, Any]:
        return _passwords_match(self, super().clean() or {})


class PasswordForm(Form):
    password = _new_password("新密码")
    password2 = _new_password("再次输入新密码")

    def clean(self) -> dict[str, Any]:
        return _passwords_match(self, super().clean() or {})


class OwnPasswordForm(PasswordForm):
    """Changing one's own password: the current one first."""

    old_password = forms.CharField(
        label="当前密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "password", "password2"]


class MemberFilterForm(FilterForm):
    q = forms.CharField(
        label="姓名 / 手机号 / 身份证号",
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "搜索姓名，或输入完整手机号、身份证号"}
        ),
    )
    org = forms.CharField(label="组织代码", required=False, max_length=32)
    status = forms.ChoiceField(
        label="党员类别", required=False, choices=[("", "全部类别"), *MemberStatus.choices]
    )
    gender = forms.ChoiceField(
        label="性别", required=False, choices=[("", "全部性别"), *Gender.choices]
    )
    education = forms.ChoiceField(
        label="学历", required=False, choices=[("", "全部学历"), *Education.choices]
    )
    mobile = forms.ChoiceField(
        label="流动党员",
        required=False,
        choices=[("", "不限"), ("1", "仅流动党员"), ("0", "非流动党员")],
    )


class MemberForm(Form):
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    gender = forms.ChoiceField(
        label="性别", choices=[("", "按身份证号"), *Gender.choices], required=False
    )
    ethnicity = forms.CharField(label="民族", max_length=20, required=False, initial="汉族")
    birth_date = forms.DateField(
        label="出生日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="填写身份证号后可不填",
    )
    education = forms.ChoiceField(
        label="学历", choices=[("", "—"), *Education.choices], required=False
    )
    org = forms.ModelChoiceField(label="所在党组织", queryset=Org.objects.none())
    group = forms.ModelChoiceField(label="党小组", queryset=Org.objects.none(), required=False)
    joined_on = forms.DateField(
        label="入党日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmed_on = forms.DateField(
        label="转正日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label="党员类别", choices=EDITABLE_STATUSES)
    is_mobile = forms.BooleanField(label="流动党员", required=False)
    mobile_place = forms.CharField(label="流动去向", max_length=100, required=False)
    position = forms.CharField(label="党内职务", max_length=50, required=False)

    def __init__(self, *args: Any, orgs: Any, login_note: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if login_note:
            # The phone is a login this person may not change (people/rules.py); the
            # service refuses a changed value anyway.
            phone: Any = self.fields["phone"]
            phone.widget.attrs["readonly"] = True
            phone.help_text = login_note
        field_org: Any = self.fields["org"]
        field_group: Any = self.fields["group"]
        field_org.queryset = orgs.filter(kind__in=MEMBER_ORG_KINDS).order_by("path")
        field_group.queryset = (
            orgs.filter(kind=OrgKind.GROUP).select_related("parent").order_by("path")
        )
        field_group.label_from_instance = lambda g: f"{g.parent.name} · {g.name}"

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(member, name)
            for name in (
                "gender",
                "ethnicity",
                "birth_date",
                "education",
                "joined_on",
                "confirmed_on",
                "status",
                "is_mobile",
                "mobile_place",
                "position",
            )
        }
        initial.update(
            name=member.user.name,
            phone=member.user.phone or "",
            id_number=member.id_number or "",
            org=member.org_id,
            group=member.group_id,
        )
        return initial

    def clean_phone(self) -> str:
        phone = clean_compact(self.cleaned_data.get("phone"))
        if phone and not (len(phone) == 11 and phone.isdigit() and phone[0] == "1"):
            raise forms.ValidationError("请输入 11 位手机号")
        return phone

    def clean_id_number(self) -> str:
        return clean_compact(self.cleaned_data.get("id_number")).upper()

    def to_data(self) -> MemberData:
        d = self.cleaned_data
        return MemberData(
            name=clean_name(d["name"]),
            phone=d["phone"],
            id_number=d["id_number"],
            gender=d.get("gender") or "",
            ethnicity=clean_text(d.get("ethnicity")) or "汉族",
            birth_date=d.get("birth_date"),
            education=d.get("education") or "",
            joined_on=d.get("joined_on"),
            confirmed_on=d.get("confirmed_on"),
            status=d["status"],
            is_mobile=bool(d.get("is_mobile")),
            mobile_place=clean_text(d.get("mobile_place")),
            position=clean_text(d.get("position")),
            org_id=d["org"].pk if d.get("org") else None,
            group_id=d["group"].pk if d.get("group") else None,
        )


class RosterUploadForm(Form):
    org = forms.ModelChoiceField(
        label="导入到",
        queryset=Org.objects.none(),
        help_text="表中“所在党组织”空着的党员编入这里；填了的须是这个组织或它下面的组织",
    )
    file = forms.FileField(
        label="名册文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        # Only orgs the person manages are offered; a forged choice fails validation.
        field.queryset = orgs.exclude(kind=OrgKind.GROUP).order_by("path")
        # The options are read once (a Select iterates its choices more than once).
        choices: list[tuple[Any, str]] = [
            (org.pk, f"{org.name}（{org.code}）") for org in field.queryset
        ]
        if len(choices) == 1:  # a branch secretary: nothing to choose
            field.initial = choices[0][0]
        else:
            choices.insert(0, ("", "请选择"))
        field.widget.choices = choices


class StatusChangeForm(Form):
    """党籍变动: one form for 转正, 延长预备期, 停止党籍, 出党, 去世 and 恢复党籍."""

    kind = forms.ChoiceField(
        label="变动类别",
        choices=[(k.value, k.label) for k in StatusChangeKind if k != StatusChangeKind.TRANSFER],
    )
    effective_on = forms.DateField(
        label="生效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="转正可不填（按预备期满之日）",
    )
    meeting_on = forms.DateField(
        label="支部大会讨论日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    approved_on = forms.DateField(
        label="上级党委批准日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="预备期延长至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decision = forms.CharField(label="决定或文号", max_length=200, required=False)
    reason = forms.CharField(
        label="原因", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    NEEDS = {
        StatusChangeKind.CONFIRM: ("meeting_on", "approved_on"),
        StatusChangeKind.EXTEND: ("meeting_on", "until"),
        StatusChangeKind.STOP: ("effective_on",),
        StatusChangeKind.EXPEL: ("effective_on",),
        StatusChangeKind.DECEASE: ("effective_on",),
        StatusChangeKind.RESTORE: ("effective_on",),
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        for name in self.NEEDS.get(StatusChangeKind(kind), ()) if kind else ():
            if not data.get(name):
                self.add_error(name, f"请填写{self.fields[name].label}")
        for name in ("decision", "reason"):
            data[name] = clean_text(data.get(name) or "")
        return data
