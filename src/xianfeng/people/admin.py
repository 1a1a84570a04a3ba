from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminForm
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import SetPasswordMixin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.people import services
from xianfeng.people.models import ApiToken, Member, PasswordLink, RosterImport, User
from xianfeng.people.rules import check_may_manage_login, may_manage_login
from xianfeng.people.services.accounts import LOGIN_FIELDS


class AdminPasswordForm(SetPasswordMixin, forms.Form):  # type: ignore[type-arg]
    """The admin's "set password", saved through the service (audit, notice, sessions)."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        self.validate_passwords()
        return super().clean() or {}


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "name", "phone", "is_active", "is_staff", "date_joined"]
    search_fields = ["username", "name", "phone"]
    ordering = ["-date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone", "home_org")}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "password1", "password2")}),
    )
    raw_id_fields = ["home_org"]

    # Every change of someone's login here follows the rule of the pages and the API
    # (people/rules.py): a superuser's account only by a superuser, one's own elsewhere.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if (
            obj is not None
            and obj.pk != request.user.pk
            and not may_manage_login(request.user, obj)
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not getattr(request.user, "is_superuser", False):
            # Admin rights are given and taken by superusers only.
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not may_manage_login(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            check_may_manage_login(request.user, user)
        super().delete_queryset(request, queryset)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        changed = [name for name in form.changed_data if name in LOGIN_FIELDS]
        if change and changed:
            services.user_login_update(actor=actor_of(request), user=obj, fields=changed)
        else:
            super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("找不到该用户")
        check_may_manage_login(request.user, user)
        form = AdminPasswordForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.user_set_password(
                    actor=actor_of(request), user=user, password=form.cleaned_data["password1"]
                )
            except Refused as exc:
                form.add_error("password1", exc.message)
            else:
                messages.success(request, "密码已设置，该用户在各设备上的登录已退出")
                return HttpResponseRedirect(reverse("admin:people_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"设置密码：{user.get_username()}",
            "adminForm": AdminForm(
                form,  # type: ignore[arg-type]  # the stubs want a ModelForm; Django does not
                [(None, {"fields": list(form.base_fields)})],
                {},
            ),
            "form_url": form_url,
            "form": form,
            "is_popup": False,
            "add": True,
            "change": False,
            "has_delete_permission": False,
            "has_change_permission": True,
            "has_absolute_url": False,
            "opts": self.opts,
            "original": user,
            "save_as": False,
            "show_save": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/auth/user/change_password.html", context)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin[Member]):
    list_display = ["__str__", "org", "status", "is_mobile"]
    list_filter = ["status", "is_mobile", "gender"]
    search_fields = ["user__name", "user__phone", "id_number", "org__name"]
    raw_id_fields = ["user", "org", "group", "import_batch"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin[RosterImport]):
    list_display = ["filename", "org", "status", "row_count", "created_count", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["org", "created_by", "rolled_back_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["user", "label", "created_at", "last_used_at", "expires_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["key_hash"]


@admin.register(PasswordLink)
class PasswordLinkAdmin(admin.ModelAdmin[PasswordLink]):
    list_display = ["user", "created_by", "created_at", "expires_at", "used_at", "voided_at"]
    raw_id_fields = ["user", "created_by"]
    readonly_fields = ["key_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # issued on the member page, where the one-time key can be shown
