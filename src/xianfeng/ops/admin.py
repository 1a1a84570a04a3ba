from django.contrib import admin

from xianfeng.ops.models import BackupRun


@admin.register(BackupRun)
class BackupRunAdmin(admin.ModelAdmin[BackupRun]):
    list_display = ["started_at", "status", "trigger", "path", "size"]
    list_filter = ["status", "trigger"]
    readonly_fields = [f.name for f in BackupRun._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
