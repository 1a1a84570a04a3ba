from django.contrib import admin

from xianfeng.remote.models import DeviceToken, RemoteTarget, Site, SiteSuspension


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("code", "name", "org", "kind", "service_start", "last_beat_at")
    search_fields = ("code", "name")
    list_select_related = ("org",)
    raw_id_fields = ("org",)


@admin.register(SiteSuspension)
class SiteSuspensionAdmin(admin.ModelAdmin[SiteSuspension]):
    list_display = ("site", "starts_on", "ends_on", "reason")
    raw_id_fields = ("site", "created_by")


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin[DeviceToken]):
    list_display = ("site", "label", "created_at", "last_seen_at", "revoked_at")
    readonly_fields = ("key_hash",)
    raw_id_fields = ("site", "created_by", "revoked_by")


@admin.register(RemoteTarget)
class RemoteTargetAdmin(admin.ModelAdmin[RemoteTarget]):
    list_display = ("org", "min_viewings", "min_hours", "boot_rate_pct")
    raw_id_fields = ("org",)
