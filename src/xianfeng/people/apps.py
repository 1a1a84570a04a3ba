from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "xianfeng.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        from xianfeng.common import home
        from xianfeng.people.views import home_panels

        home.register(home_panels)

        from xianfeng.common import periodic
        from xianfeng.people.tasks import prune_people_data

        periodic.register("people.prune", prune_people_data, hours=6)

        from xianfeng.notify import kinds
        from xianfeng.notify.enums import Channel, Priority

        # Login changes: urgent, so they pass quiet hours and the daily digest.
        kinds.register(
            "account.security",
            label="账号安全",
            app="people",
            default_channels={Channel.INAPP, Channel.SMS, Channel.EMAIL, Channel.WECHAT},
            priority=Priority.HIGH,
            description="密码被修改或重置、账号被锁定",
            group="账号",
        )
        kinds.register(
            "account.login",
            label="登录提醒",
            app="people",
            default_channels={Channel.INAPP, Channel.EMAIL},
            description="在新的设备上登录",
            group="账号",
        )
