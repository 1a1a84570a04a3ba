from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xianfeng.assessment"
    label = "assessment"
    verbose_name = "考评与指标"

    def ready(self) -> None:
        from xianfeng.assessment import wiring

        wiring.connect()
