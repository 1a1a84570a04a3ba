from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "xianfeng.common"
    label = "common"
    verbose_name = "通用"
