from django.contrib import admin
from django.http import HttpRequest

from xianfeng.orgs.models import Org, Role


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin[Org]):
    list_display = ["name", "code", "kind", "region", "depth"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth", "parent"]
    ordering = ["path"]

    def has_add_permission(self, request: HttpRequest) -> bool:  # paths: orgs.services only
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["user", "org", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__name", "user__username", "org__name", "org__code"]
    raw_id_fields = ["user", "org", "granted_by"]
