from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "xianfeng.media"
    label = "media"
    verbose_name = "音视频"

    def ready(self) -> None:
        from xianfeng.common import periodic
        from xianfeng.media.tasks import expire_uploads

        periodic.register("media.expire_uploads", expire_uploads, hours=1)
