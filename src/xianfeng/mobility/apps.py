from django.apps import AppConfig


class MobilityConfig(AppConfig):
    name = "xianfeng.mobility"
    label = "mobility"
    verbose_name = "流动党员"

    def ready(self) -> None:
        from xianfeng.mobility import wiring

        wiring.connect()
