from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "xianfeng.live"
    label = "live"
    verbose_name = "党课微直播"

    def ready(self) -> None:
        from xianfeng.live.chat import comment_moderated
        from xianfeng.moderation import handlers

        handlers.register("live.comment", comment_moderated, label="直播评论")
