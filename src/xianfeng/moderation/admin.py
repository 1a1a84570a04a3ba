from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xianfeng.moderation import scanner
from xianfeng.moderation.models import ReviewItem, SensitiveWord


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin[SensitiveWord]):
    list_display = ["word", "category", "is_active", "created_at"]
    list_filter = ["category", "is_active"]
    search_fields = ["word"]

    def save_model(self, request: HttpRequest, obj: SensitiveWord, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        scanner.bump_version()

    def delete_model(self, request: HttpRequest, obj: SensitiveWord) -> None:
        super().delete_model(request, obj)
        scanner.bump_version()


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin[ReviewItem]):
    list_display = ["kind", "object_id", "org", "status", "created_at", "reviewer"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["org", "author", "reviewer"]
