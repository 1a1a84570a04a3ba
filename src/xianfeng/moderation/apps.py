from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "xianfeng.moderation"
    label = "moderation"
    verbose_name = "内容审核"

    def ready(self) -> None:
        from xianfeng.common import home
        from xianfeng.moderation.views import home_panels

        home.register(home_panels)
