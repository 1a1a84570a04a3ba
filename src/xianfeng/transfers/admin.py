from django.contrib import admin

from xianfeng.transfers.models import Transfer


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin[Transfer]):
    list_display = ("number", "member", "from_org", "to_org", "state", "started_at")
    list_filter = ("state",)
    search_fields = ("number",)
    raw_id_fields = ("member", "from_org", "to_org", "started_by", "decided_by")
