from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "xianfeng.people"
    label = "people"
    verbose_name = "人员"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from xianfeng.orgs import access
        from xianfeng.people.models import Member

        # A member record is part of the person's identity, like a role (orgs/access.py).
        post_save.connect(
            access.on_person_row_change, sender=Member, dispatch_uid="people.member.access"
        )
        post_delete.connect(
            access.on_person_row_change, sender=Member, dispatch_uid="people.member.access"
        )

        from xianfeng.common import home
        from xianfeng.people.views import home_panels

        home.register(home_panels)

        from xianfeng.common import demo
        from xianfeng.people.demo import persona_table

        demo.register_banner(persona_table)
        from xianfeng.people.demo import registry as registry_demo

        demo.register("people.registry", registry_demo.seed, order=46)
        from xianfeng.people.demo import use as use_demo

        demo.register("people.use", use_demo.seed, order=47)

        from xianfeng.notify import contacts
        from xianfeng.people.services import user_set_email

        contacts.register_email_setter(user_set_email)

        from django.db.models.functions import Coalesce

        from xianfeng.orgs.selectors import SubtreeCounter, register_subtree_counter
        from xianfeng.people.models import Member

        register_subtree_counter(
            # On the roll: those who left (停止党籍, 出党, 去世) are history, not members.
            # A member in a party group belongs to the branch (org) and the group (group):
            # counted at the group's path, which lies inside the branch's subtree, so the
            # group shows its members and the branch and everything above still count them.
            SubtreeCounter(
                "members",
                lambda: Member.objects.filter(left_on__isnull=True).annotate(
                    place=Coalesce("group__path", "org__path")
                ),
                "place",
            )
        )

        from xianfeng.orgs.services import register_retire_step
        from xianfeng.people.services.history import members_follow_org

        register_retire_step(members_follow_org)

        from xianfeng.common import nav
        from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
        from xianfeng.orgs.rules import holds_any

        nav.register(
            nav.Entry(
                "people:member_list",
                "党员",
                order=50,
                visible=lambda user: holds_any(user, ROSTER_VIEW_ROLES),
            )
        )

        from django.contrib.auth.signals import user_logged_in

        from xianfeng.people.services.use import on_login

        user_logged_in.connect(on_login, dispatch_uid="people.monthly_use")

        from xianfeng.people import indicators as people_indicators

        people_indicators.register()

        from xianfeng.common import periodic
        from xianfeng.people.tasks import prune_people_data

        periodic.register("people.prune", prune_people_data, hours=6)
        from xianfeng.people.tasks import remind_probation_ending

        periodic.register("people.probation", remind_probation_ending, hours=12)
        from xianfeng.people.tasks import remind_pipeline_due

        periodic.register("people.pipeline", remind_pipeline_due, hours=24)

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
            "member.probation",
            label="预备期满提醒",
            app="people",
            default_channels={Channel.INAPP, Channel.EMAIL},
            description="本支部预备党员的预备期一个月内期满",
            group="党员",
        )
        kinds.register(
            "applicant.due",
            label="发展党员待办",
            app="people",
            default_channels={Channel.INAPP, Channel.EMAIL},
            description="入党申请人一个月内未谈话、积极分子或发展对象本季度未记录考察",
            group="党员",
        )
        kinds.register(
            "account.login",
            label="登录提醒",
            app="people",
            default_channels={Channel.INAPP, Channel.EMAIL},
            description="在新的设备上登录",
            group="账号",
        )
