from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "xianfeng.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self) -> None:
        from xianfeng.dues import wiring

        wiring.connect()
