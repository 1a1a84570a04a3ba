"""Demo columns and articles for `seed_demo`: the county's 要闻导读, 党建知识 and 学习园地
(seen in every branch), a series, a pinned and a scheduled article, and a few readings by
the member persona (with their points), so the article pages are alive after `make run`."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from xianfeng.audit.events import Event
from xianfeng.common import points as registry
from xianfeng.lessons.selectors import lessons_reaching_org
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.study.models import ArticleRead, CheckIn
from xianfeng.study.selectors import plans as plan_sel
from xianfeng.study.services import articles as services
from xianfeng.study.services import coreading, plans
from xianfeng.study.services.points import points_award

PARAGRAPHS = {
    "三会一课": (
        "“三会一课”是党的组织生活的基本制度，包括定期召开支部党员大会、支部委员会、"
        "党小组会，按时上好党课。",
        "支部党员大会一般每季度召开一次，支部委员会一般每月召开一次，党小组会一般每月召开一次，"
        "党课一般每季度一次。",
        "各支部要如实记录会议内容，做到会前有准备、会中有讨论、会后有落实。",
    ),
    "主题党日": (
        "主题党日一般每月开展一次，是党支部集中开展组织生活的重要载体。",
        "活动可以结合“三会一课”进行，内容包括集中学习、重温入党誓词、交纳党费、志愿服务等。",
        "各支部要结合实际，把主题党日办得有特色、有实效，避免形式化。",
    ),
    "党费": (
        "交纳党费是党员的义务，也是党员党性的体现。",
        "党员应按月交纳党费；因特殊原因不能按月交纳的，经党支部同意可以补交。",
        "党员没有正当理由，连续六个月不交纳党费的，按照自行脱党处理。",
    ),
    "二十大": (
        "党的二十大是在全党全国各族人民迈上全面建设社会主义现代化国家新征程、"
        "向第二个百年奋斗目标进军的关键时刻召开的一次十分重要的大会。",
        "学习宣传贯彻党的二十大精神是全党全国当前和今后一个时期的首要政治任务。",
        "各级党组织要把学习贯彻工作同做好本地区本部门各项工作结合起来，推动各项任务落地见效。",
    ),
}

ARTICLES = [
    # (column, title, topic, series?, source)
    ("要闻导读", "全县召开基层党建工作推进会", "三会一课", False, "县委组织部"),
    ("要闻导读", "深入学习宣传贯彻党的二十大精神", "二十大", True, "县委宣传部"),
    ("党建知识", "“三会一课”怎么开？一文读懂", "三会一课", False, "党建知识库"),
    ("党建知识", "主题党日活动的组织要点", "主题党日", False, "党建知识库"),
    ("党建知识", "党费交纳的几个常见问题", "党费", False, "党建知识库"),
    ("学习园地", "二十大精神进基层：我们这样学", "二十大", True, "城关镇党委"),
    ("学习园地", "把学习成效转化为为民服务的实际行动", "二十大", True, "河口镇党委"),
]


def _body(topic: str) -> str:
    first, second, third = PARAGRAPHS[topic]
    return (
        f"<p>{first}</p><h2>主要内容</h2><p>{second}</p>"
        f"<blockquote>{third}</blockquote>"
        "<ol><li>认真学习原文</li><li>结合实际讨论</li><li>撰写学习心得</li></ol>"
    )


def seed_articles(county: Org, admin: User, member: User | None) -> str:
    columns = {
        name: services.column_create(actor=admin, org=county, name=name, order=i)
        for i, name in enumerate(("要闻导读", "党建知识", "学习园地"))
    }
    series = services.series_create(
        actor=admin,
        org=county,
        title="学习贯彻党的二十大精神",
        description="县委组织部汇编的二十大精神学习材料",
    )
    now = timezone.now()
    made = []
    for i, (column, title, topic, in_series, source) in enumerate(ARTICLES):
        article = services.article_create(
            actor=admin,
            org=county,
            data=services.ArticleData(
                column=columns[column],
                series=series if in_series else None,
                title=title,
                summary=PARAGRAPHS[topic][0][:60],
                body=_body(topic),
                source=source,
                author="县委组织部",
                tags=[topic],
            ),
        )
        article = services.article_publish(actor=admin, article=article)
        # Spread over the last weeks, newest first in the list.
        published = now - datetime.timedelta(days=len(ARTICLES) - i, hours=3)
        type(article).objects.filter(pk=article.pk).update(published_at=published)
        made.append(article)
    services.article_pin(actor=admin, article=made[1], pinned=True)
    tomorrow = services.article_create(
        actor=admin,
        org=county,
        data=services.ArticleData(
            column=columns["要闻导读"],
            title="明日发布：七一主题党日活动安排",
            body=_body("主题党日"),
        ),
    )
    services.article_publish(
        actor=admin, article=tomorrow, at=now + datetime.timedelta(days=1, hours=1)
    )
    reads = 0
    rule = registry.rule("study.article")
    if member is not None and hasattr(member, "member"):
        for back, article in enumerate(made[:3], start=1):
            when = now - datetime.timedelta(days=back)
            ArticleRead.objects.create(
                user=member,
                article=article,
                org=member.member.org,
                seconds=article.reading_seconds,
                scrolled=1.0,
                reports=3,
                last_report_at=when,
                completed_at=when,
            )
            type(article).objects.filter(pk=article.pk).update(read_count=1)
            if rule is not None:
                claim = registry.Claim(
                    user_id=member.pk,
                    source_type="study.article",
                    source_id=article.pk,
                    title=article.title,
                )
                event = Event(
                    id=0,
                    name="article.read",
                    actor_id=member.pk,
                    object_type="study.articleread",
                    object_id="0",
                    org_id=None,
                    data={},
                    created_at=when,
                )
                points_award(rule=rule, event=event, claim=claim)
            reads += 1
    streak = _plan_and_coreading(admin, member, series, made)
    return (
        f"栏目 {len(columns)} 个，文章 {len(made) + 1} 篇（1 篇定时发布），"
        f"演示党员读完 {reads} 篇，学习计划连续打卡 {streak} 天。"
    )


def _plan_and_coreading(admin: User, member: User | None, series: Any, made: list[Any]) -> int:
    """The member's branch gets a daily plan rotating through the series (she has checked in
    the last five days, so a streak shows; today's item is a micro lesson the organiser
    chose) and a co-reading of the pinned article."""
    if member is None or not hasattr(member, "member"):
        return 0
    branch = member.member.org
    today = timezone.localdate()
    plan = plans.plan_create(
        actor=admin,
        org=branch,
        title="每天 20:00 学习 15 分钟",
        series=series,
        starts_on=today - datetime.timedelta(days=14),
    )
    days = 5
    for back in range(1, days + 1):
        day = today - datetime.timedelta(days=back)
        item = plan_sel.item_for(plan, day)
        CheckIn.objects.create(
            plan=plan,
            user=member,
            day=day,
            article=item.article if item else None,
            minutes=12 + back % 4,
        )
    # Today the secretary put a micro lesson before the branch instead of the series' turn.
    lesson = lessons_reaching_org(branch).order_by("-published_at", "-id").first()
    if lesson is not None:
        plans.plan_set_day(actor=admin, plan=plan, day=today, lesson=lesson)
    coreading.coreading_create(
        actor=admin,
        org=branch,
        article=made[1],
        deadline=timezone.now() + datetime.timedelta(days=5),
    )
    return days
