from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from xianfeng.people.models import ApiToken, Member, RosterImport, User


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
