from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "xianfeng.study"
    label = "study"
    verbose_name = "学习"

    def ready(self) -> None:
        from xianfeng.study import wiring

        wiring.connect()
