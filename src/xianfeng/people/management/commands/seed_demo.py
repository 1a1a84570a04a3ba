"""`manage.py seed_demo`: write the demo county 青山县 into an empty database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from xianfeng.orgs.models import Org
from xianfeng.people import demo
from xianfeng.people.models import User


class Command(BaseCommand):
    help = "写入演示县“青山县”：党组织、党员和几个固定的演示账号（只写入空数据库）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            default=demo.DEFAULT_MEMBERS,
            help=f"党员人数（含演示账号中的党员），默认 {demo.DEFAULT_MEMBERS}",
        )
        parser.add_argument(
            "--no-content",
            action="store_true",
            help="只写组织和人员，不生成演示微党课和竞赛（测试用，省去转码时间）",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有党组织时什么也不做（make run 使用）",
        )

    def handle(
        self, *args: Any, members: int, if_empty: bool, no_content: bool, **options: Any
    ) -> None:
        if Org.objects.exists():
            if if_empty:
                self.stdout.write("数据库中已有党组织，未写入演示数据。")
                return
            raise CommandError(
                "数据库中已有党组织；演示数据只能写入空数据库（或加 --if-empty 跳过）。"
            )
        if members < demo.PERSONA_MEMBERS:
            raise CommandError(f"--members 至少为 {demo.PERSONA_MEMBERS}（演示账号中的党员）。")
        taken = User.objects.filter(
            Q(username__in=[p.username for p in demo.PERSONAS])
            | Q(phone__in=[p.phone for p in demo.PERSONAS])
        ).values_list("username", flat=True)
        if taken:
            raise CommandError(f"演示账号的用户名或手机号已被占用：{'、'.join(taken)}")
        report = demo.seed_county(members=members)
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入{demo.COUNTY}：党组织 {report.orgs} 个，党员 {report.members} 名，"
                f"用户 {report.users} 个，角色 {report.roles} 个，用时 {report.seconds:.1f} 秒。"
            )
        )
        if not no_content:
            self._content()
        self.stdout.write(demo.persona_table())

    def _content(self) -> None:
        """A few published lessons with generated video, and an open contest."""
        from xianfeng.lessons import demo as lessons_demo

        try:
            lessons = lessons_demo.seed_lessons()
        except Exception as exc:  # ffmpeg missing or failing must not lose the county
            self.stderr.write(
                f"演示微党课未能生成（{type(exc).__name__}: {exc}），其余演示数据已写入。"
            )
        else:
            self.stdout.write(f"已发布演示微党课 {lessons} 节。")
        contest = lessons_demo.seed_contest()
        self.stdout.write(f"已开始演示竞赛“{contest.title}”。")
        from xianfeng.notify import demo as notify_demo

        sent = notify_demo.seed_notifications(contest)
        self.stdout.write(
            f"已发出演示通知 {sent.notices} 条（{sent.deliveries} 条邮件、短信、钉钉群送达记录，"
            "由任务进程发送，见其日志）。"
        )
