from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "xianfeng.common"
    label = "common"
    verbose_name = "通用"

    def ready(self) -> None:
        from xianfeng.audit.tasks import sweep_events
        from xianfeng.common import periodic

        # Domain events a crash left undelivered, and failed deliveries due for a retry.
        periodic.register("events.sweep", sweep_events, minutes=1)
