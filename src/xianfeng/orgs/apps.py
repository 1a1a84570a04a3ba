from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xianfeng.orgs"
    label = "orgs"
    verbose_name = "党组织"

    def ready(self) -> None:
        from xianfeng.common import home
        from xianfeng.orgs.views import home_panels

        home.register(home_panels)
