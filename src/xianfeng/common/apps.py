from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "xianfeng.common"
    label = "common"
    verbose_name = "通用"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from xianfeng.audit.tasks import sweep_events
        from xianfeng.common import pagecache, periodic

        # Every write a connection makes changes the version of the pages kept per person.
        connection_created.connect(pagecache.install, dispatch_uid="xianfeng.pagecache")

        # Domain events a crash left undelivered, and failed deliveries due for a retry.
        periodic.register("events.sweep", sweep_events, minutes=1)
