"""How the study app plugs into the others: the points ledger receives the claims of every
app's rules (common/points.py), the navigation and demo data."""

from __future__ import annotations

from typing import Any

from xianfeng.common import demo, nav, periodic
from xianfeng.common import points as registry


def _sink(rule: registry.Rule, event: Any, claim: registry.Claim) -> object:
    from xianfeng.study.services.points import points_award

    return points_award(rule=rule, event=event, claim=claim)


def _sink_many(rule: registry.Rule, items: list[tuple[Any, registry.Claim]]) -> object:
    from xianfeng.study.services.points import points_award_many

    return points_award_many(rule=rule, items=items)


def _not_resident(user: Any) -> bool:
    from xianfeng.people.selectors import is_resident

    return not is_resident(user)


def connect() -> None:
    from xianfeng.audit import events
    from xianfeng.moderation import handlers
    from xianfeng.notify import kinds
    from xianfeng.study import demo as study_demo
    from xianfeng.study import earning, indicators
    from xianfeng.study.models import CoReadingComment, CoReadingNote
    from xianfeng.study.services.articles import article_moderated
    from xianfeng.study.services.coreading import moderated
    from xianfeng.study.services.plans import (
        checkins_on_lesson,
        checkins_on_read,
        weekly_note_moderated,
    )
    from xianfeng.study.tasks import (
        publish_due_articles,
        send_study_reminders,
        submit_due_attempts,
    )

    registry.install_sink(_sink, _sink_many)
    from xianfeng.study import screen

    screen.register()  # 现场竞答 on a village site's TV
    earning.connect()
    indicators.register()
    periodic.register("study.submit_due", submit_due_attempts, minutes=1)
    periodic.register("study.publish_due", publish_due_articles, minutes=1)
    periodic.register("study.remind", send_study_reminders, minutes=5)
    handlers.register("study.article", article_moderated, label="学习文章")
    handlers.register("study.weekly_note", weekly_note_moderated, label="学习小结")
    handlers.register("study.coreading_note", moderated(CoReadingNote), label="共读心得")
    handlers.register("study.coreading_comment", moderated(CoReadingComment), label="共读讨论")
    events.subscribe("article.read", name="study.plan_checkin", handler=checkins_on_read)
    events.subscribe(
        "lesson.completed", name="study.plan_checkin_lesson", handler=checkins_on_lesson
    )
    kinds.register("study.reminder", label="学习计划提醒", app="study")
    demo.register("study", study_demo.seed, order=50)
    nav.register(nav.Entry("study:articles", "文章", order=17, visible=_not_resident))
    nav.register(nav.Entry("study:quizzes", "答题", order=18))
    nav.register(nav.Entry("study:points", "积分", order=20))
