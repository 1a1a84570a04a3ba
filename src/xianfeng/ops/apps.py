from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "xianfeng.ops"
    label = "ops"
    verbose_name = "运维"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from xianfeng.audit import enqueue
        from xianfeng.common import periodic
        from xianfeng.notify import kinds
        from xianfeng.notify.enums import Priority
        from xianfeng.ops import metrics
        from xianfeng.ops.logs import log_task_finished
        from xianfeng.ops.tasks import daily_backup

        task_finished.connect(log_task_finished, dispatch_uid="xianfeng.ops.task_line")
        if metrics.count_enqueue_failure not in enqueue.listeners:
            enqueue.listeners.append(metrics.count_enqueue_failure)
        # Hourly look: the job backs up once a day (after XF_BACKUP_HOUR) when
        # XF_BACKUP_DIR is set, and keeps the retention.
        periodic.register("ops.backup", daily_backup, hours=1)
        kinds.register(
            "ops.backup_failed",
            label="备份失败",
            app="ops",
            default_channels={"email", "sms"},
            priority=Priority.HIGH,
            description="每日自动备份失败时通知县级组织管理员",
        )
        kinds.register(
            "ops.backup_overdue",
            label="备份逾期",
            app="ops",
            default_channels={"email", "sms"},
            priority=Priority.HIGH,
            description="超过规定时间没有成功的备份时通知县级组织管理员（每天至多一次）",
        )
