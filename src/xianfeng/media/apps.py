from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "xianfeng.media"
    label = "media"
    verbose_name = "音视频"
