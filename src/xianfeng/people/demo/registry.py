"""Demo of the registry over time for `make run`: the secretary persona's branch has its
发展党员 pipeline (one applicant whose talk is overdue, an activist, a candidate after
publicity) and a party group set up last year; the branch's town was renamed."""

from __future__ import annotations

import datetime

from django.utils import timezone

from xianfeng.orgs import services as org_services
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import User
from xianfeng.people.services import pipeline


def seed() -> str:
    secretary = User.objects.filter(username="secretary").first()
    role = Role.objects.filter(user=secretary, kind=RoleKind.SECRETARY).first()
    if secretary is None or role is None:
        return "没有演示书记，未生成发展党员。"
    home = role.org
    today = timezone.localdate()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    Org.objects.filter(pk=home.pk, founded_on__gt=ago(3 * 365)).update(founded_on=ago(3 * 365))
    home.refresh_from_db()
    late = pipeline.applicant_register(
        actor=secretary, org=home, name="孙晓雨", applied_on=ago(45), phone="13900001111"
    )
    keen = pipeline.applicant_register(
        actor=secretary, org=home, name="周建国", applied_on=ago(500)
    )
    pipeline.applicant_talk(actor=secretary, applicant=keen, on=ago(480))
    pipeline.applicant_to_activist(
        actor=secretary, applicant=keen, on=ago(450), contacts="书记、组织委员"
    )
    for days in (360, 270, 180, 90, 20):
        pipeline.applicant_note(
            actor=secretary,
            applicant=keen,
            on=ago(days),
            text="按时参加主题党日，主动承担村务志愿服务",
        )
    near = pipeline.applicant_register(
        actor=secretary, org=home, name="吴海燕", applied_on=ago(800)
    )
    pipeline.applicant_talk(actor=secretary, applicant=near, on=ago(790))
    pipeline.applicant_to_activist(
        actor=secretary, applicant=near, on=ago(760), contacts="书记、党员甲"
    )
    pipeline.applicant_note(actor=secretary, applicant=near, on=ago(400), text="表现良好")
    pipeline.applicant_to_candidate(actor=secretary, applicant=near, on=ago(60))
    pipeline.applicant_note(actor=secretary, applicant=near, on=ago(30), text="政审合格")
    pipeline.applicant_prepare(
        actor=secretary,
        applicant=near,
        reviewed_on=ago(40),
        training_on=ago(30),
        publicity_from=ago(21),
        publicity_to=ago(14),
    )
    made = [late, keen, near]
    groups = 0
    if not Org.objects.filter(parent=home, kind="group").exists():
        org_services.group_create(
            actor=secretary, branch=home, name="第一党小组", founded_on=ago(300)
        )
        groups = 1
    return f"发展党员 {len(made)} 人，党小组 {groups} 个。"
