from django.contrib import admin

from xianfeng.common.models import WorkerBeat


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin[WorkerBeat]):
    list_display = ["worker_id", "hostname", "pid", "queues", "started_at", "last_seen"]
