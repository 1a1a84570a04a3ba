from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xianfeng.audit.models import AuditLog, EventDelivery


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin[AuditLog]):
    list_display = ["created_at", "actor", "action", "event", "object_type", "object_repr"]
    list_filter = ["action", "object_type", "event"]
    search_fields = ["object_repr", "object_id", "actor__name"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin[EventDelivery]):
    """Failed and given-up deliveries are where an operator looks first."""

    list_display = ["event", "subscriber", "state", "attempts", "next_attempt_at", "updated_at"]
    list_filter = ["state", "subscriber"]
    search_fields = ["subscriber", "last_error"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
