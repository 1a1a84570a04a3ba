from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "xianfeng.meetings"
    label = "meetings"
    verbose_name = "三会一课"

    def ready(self) -> None:
        from xianfeng.meetings import wiring

        wiring.connect()
