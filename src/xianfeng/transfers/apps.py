from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "xianfeng.transfers"
    label = "transfers"
    verbose_name = "组织关系转接"

    def ready(self) -> None:
        from xianfeng.transfers import wiring

        wiring.connect()
