from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "xianfeng.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from xianfeng.common import home, periodic
        from xianfeng.notify.tasks import send_due_deliveries
        from xianfeng.notify.views import home_panels

        home.register(home_panels)
        periodic.register("notify.deliver", send_due_deliveries, minutes=1)

        from xianfeng.common import demo
        from xianfeng.notify import demo as notify_demo

        demo.register("notify", notify_demo.seed, order=90)
