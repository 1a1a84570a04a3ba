from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "xianfeng.community"
    label = "community"
    verbose_name = "五微社区"

    def ready(self) -> None:
        from xianfeng.community import wiring

        wiring.connect()
