from django.apps import AppConfig


class RemoteConfig(AppConfig):
    name = "xianfeng.remote"
    label = "remote"
    verbose_name = "远程教育"

    def ready(self) -> None:
        from xianfeng.remote import wiring

        wiring.connect()
