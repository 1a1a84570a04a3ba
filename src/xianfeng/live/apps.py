from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "xianfeng.live"
    label = "live"
    verbose_name = "党课微直播"

    def ready(self) -> None:
        from xianfeng.live import wiring

        wiring.connect()
