from django.apps import AppConfig


class ContestsConfig(AppConfig):
    name = "xianfeng.contests"
    label = "contests"
    verbose_name = "竞赛评比"

    def ready(self) -> None:
        from xianfeng.contests import wiring

        wiring.connect()
