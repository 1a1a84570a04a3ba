from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "xianfeng.media"
    label = "media"
    verbose_name = "音视频"

    def ready(self) -> None:
        import mimetypes

        from xianfeng.common import periodic
        from xianfeng.media.tasks import expire_uploads, fail_stuck_videos

        periodic.register("media.expire_uploads", expire_uploads, hours=1)
        periodic.register("media.fail_stuck", fail_stuck_videos, minutes=10)
        # Python maps .ts to a Qt translation file; HLS needs these when Django (or the
        # mimetypes-driven static serving) hands out local media.
        mimetypes.add_type("video/mp2t", ".ts")
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
        mimetypes.add_type("audio/mp4", ".m4a")
