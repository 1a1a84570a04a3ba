from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "xianfeng.lessons"
    label = "lessons"
    verbose_name = "微党课"

    def ready(self) -> None:
        from xianfeng.lessons import wiring

        wiring.connect()
