from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xianfeng.orgs"
    label = "orgs"
    verbose_name = "党组织"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from xianfeng.orgs import access
        from xianfeng.orgs.models import Org, Role

        post_save.connect(access.on_person_row_change, sender=Role, dispatch_uid="orgs.role.access")
        post_delete.connect(
            access.on_person_row_change, sender=Role, dispatch_uid="orgs.role.access"
        )
        post_save.connect(access.on_org_saved, sender=Org, dispatch_uid="orgs.org.access")

        from xianfeng.common import home
        from xianfeng.orgs.views import home_panels

        home.register(home_panels)

        from xianfeng.common import nav
        from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
        from xianfeng.orgs.rules import holds_any

        nav.register(
            nav.Entry(
                "orgs:tree",
                "组织",
                order=60,
                visible=lambda user: holds_any(user, ROSTER_VIEW_ROLES),
            )
        )
