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
