from __future__ import annotations

from django.contrib import admin

from xianfeng.notify.models import Batch, Delivery, OrgPolicy


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin[Batch]):
    list_display = ["title", "kind", "actor", "org", "recipients", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["actor", "org"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    """Deliveries that failed, with the provider's reason (for whoever runs the site)."""

    list_display = ["notification", "channel", "state", "attempts", "due_at", "sent_at", "error"]
    list_filter = ["state", "channel", "digest"]
    raw_id_fields = ["notification"]
    readonly_fields = ["external_id", "created_at", "updated_at"]


@admin.register(OrgPolicy)
class OrgPolicyAdmin(admin.ModelAdmin[OrgPolicy]):
    list_display = ["org", "email", "sms", "wechat", "wecom", "dingtalk", "updated_at"]
    raw_id_fields = ["org", "updated_by"]
    exclude = ["dingtalk_secret"]
