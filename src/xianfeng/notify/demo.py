"""Demo notifications for `make run`: the county pays for SMS, 城关镇's work group has a 钉钉
robot, the personas have addresses, quiet hours and a digest, and a few notices go out on
several channels — printed by the console backends in the worker's log — one SMS of them
refused by the provider, so the reach page has something to say."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.notify.enums import Allow, Channel, DeliveryState
from xianfeng.notify.models import Batch, Delivery, Notification
from xianfeng.notify.services import (
    deliveries_send,
    notify,
    org_policy_update,
    prefs_update,
)
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role

REFUSED = "短信平台返回 400：号码为空号"


@dataclass(frozen=True)
class DemoReport:
    batches: int
    notices: int
    deliveries: int


def seed_notifications(contest: Any = None) -> DemoReport:
    # people sits above notify: the personas and their orgs are found through the user
    # model and the roles, not through people's code.
    User = get_user_model()
    people = {u.username: u for u in User.objects.filter(username__in=_PERSONAS)}
    county_admin, town_admin = people["county_admin"], people["town_admin"]
    secretary, member = people["secretary"], people["member"]
    county = Role.objects.get(user=county_admin, kind=RoleKind.ADMIN).org
    town = Role.objects.get(user=town_admin, kind=RoleKind.ADMIN).org
    branch = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org

    org_policy_update(actor=county_admin, org=county, channels={Channel.SMS: Allow.ON})
    org_policy_update(
        actor=town_admin,
        org=town,
        channels={},
        dingtalk_token="demoDingTalkToken0001",
        dingtalk_secret="SECdemo0000000000001",
    )
    for user, email in [
        (county_admin, "chenlixin@example.cn"),
        (secretary, "wangxiulan@example.cn"),
        (member, "zhangxiaohong@example.cn"),
    ]:
        prefs_update(user=user, email=email)
    prefs_update(user=member, quiet_start=datetime.time(22), quiet_end=datetime.time(7))
    prefs_update(user=county_admin, digest=True, digest_hour=20)

    now = timezone.now()
    # A 党课 for the town's branches: the two personas and a dozen members around them.
    town_people = [secretary.pk, member.pk] + [
        pk
        for pk in User.objects.filter(member__org__path__startswith=town.path)
        .exclude(pk__in=[secretary.pk, member.pk])
        .order_by("member__org__path", "username")
        .values_list("pk", flat=True)[:12]
    ]
    meeting_day = timezone.localtime(now + datetime.timedelta(days=3))
    meeting = notify(
        users=town_people,
        title="会议通知：城关镇党委党课「学习贯彻党章，争做合格党员」",
        body=(
            f"时间：{meeting_day:%m月%d日} 15:00—16:30\n"
            "地点：城关镇党群服务中心一楼报告厅\n请带好学习笔记，不能参加的请向支部书记请假。"
        ),
        url=reverse("meetings:index"),
        kind="meeting.planned",
        actor=town_admin,
        org=town,
    )
    notify(
        users=[secretary],
        title="三会一课提醒：城关镇东街社区党支部本月还有 1 项未完成",
        body="尚未召开或记录尚未审核：\n· 主题党日（本月）",
        url=reverse("meetings:index"),
        kind="meeting.reminder",
        org=branch,
    )
    if contest is not None:
        notify(
            users=[member, secretary, county_admin],
            title=f"{contest.title}开始报名",
            body=str(contest.theme),
            url=reverse("contests:detail", args=[contest.pk]),
            kind="",  # an announcement: in the app only
            actor=county_admin,
            org=county,
        )
    # A month-old notice, delivered then and read since.
    old = notify(
        users=[member],
        title="请假已批准：「上月主题党日」",
        url=reverse("meetings:index"),
        kind="meeting.leave",
        actor=secretary,
        org=branch,
    )
    if old.batch is not None:
        deliveries_send(batch_id=old.batch.pk)
        then = now - datetime.timedelta(days=30)
        Batch.objects.filter(pk=old.batch.pk).update(created_at=then)
        Notification.objects.filter(batch=old.batch).update(created_at=then, read_at=then)
        Delivery.objects.filter(notification__batch=old.batch).update(sent_at=then)
    # One member's number is no longer in use and the SMS platform refused it: demo history
    # of a refusal, as the runner records one (a 4xx is final). The rest wait for the worker.
    refused = (
        Delivery.objects.filter(
            notification__batch=meeting.batch, channel=Channel.SMS, state=DeliveryState.QUEUED
        )
        .exclude(notification__user__in=[secretary, member])
        .order_by("pk")
        .first()
    )
    if refused is not None:
        Delivery.objects.filter(pk=refused.pk).update(
            state=DeliveryState.FAILED, attempts=F("attempts") + 1, error=REFUSED, updated_at=now
        )
    return DemoReport(
        batches=Batch.objects.count(),
        notices=Notification.objects.count(),
        deliveries=Delivery.objects.count(),
    )


_PERSONAS = ("county_admin", "town_admin", "secretary", "member")


def seed() -> str:
    """The registered seeder (common/demo.py)."""
    sent = seed_notifications()
    return (
        f"已发出演示通知 {sent.notices} 条（{sent.deliveries} 条邮件、短信、钉钉群送达记录，"
        "由任务进程发送，见其日志）。"
    )
