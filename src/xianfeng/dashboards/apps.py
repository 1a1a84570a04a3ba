from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "xianfeng.dashboards"
    label = "dashboards"
    verbose_name = "数据看板"

    def ready(self) -> None:
        from xianfeng.dashboards import wiring

        wiring.connect()
