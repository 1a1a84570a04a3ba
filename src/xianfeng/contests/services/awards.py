"""Awards by rank, 优秀组织奖, and the winners' showcase (展播)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.contests.enums import (
    AWARD_LEVELS,
    CONTEST_MACHINE,
    ORG_AWARD,
    ORG_AWARD_LABEL,
    ROUND_MACHINE,
    ContestState,
    Decision,
    RoundState,
)
from xianfeng.contests.models import (
    Award,
    Contest,
    Entry,
    Round,
    Standing,
)
from xianfeng.contests.selectors import round_ranking
from xianfeng.contests.services._shared import (
    _organiser,
)
from xianfeng.contests.services.entries import (
    _entrants,
)
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Showcase
from xianfeng.lessons.practice.channels import showcase_append
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.lessons.services import showcase_for_org, showcase_set_items
from xianfeng.notify.services import batch_start, notify
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


def awards_assign(
    *,
    actor: User,
    contest: Contest,
    counts: Mapping[str, int],
    certificate_date: datetime.date | None = None,
) -> list[Award]:
    """Publish the final round: rank its entries and give 一等奖/二等奖/三等奖/优秀奖 by rank,
    `counts` saying how many of each (in that order). Winners are told."""
    _organiser(actor, contest)
    final = contest.rounds.order_by("-number").first()
    if final is None:
        raise Refused("没有评选轮次")
    if contest.rounds.filter(number__lt=final.number).exclude(state=RoundState.PUBLISHED).exists():
        raise Refused("前面的轮次还没有公布")
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=final.pk)
        if locked.state != RoundState.OPEN:
            raise Refused("终评已经公布或尚未开始")
        ranking = [s for s in round_ranking(locked) if s.final is not None]
        by_id = {
            e.pk: e
            for e in Entry.objects.filter(pk__in=[s.entry_id for s in ranking]).select_related(
                "lesson__speaker__user", "lesson__author"
            )
        }
        awards: list[Award] = []
        position = 0
        for level, label in AWARD_LEVELS:
            for _ in range(max(0, counts.get(level, 0))):
                if position >= len(ranking):
                    break
                score = ranking[position]
                position += 1
                awards.append(
                    Award(
                        contest=contest,
                        level=level,
                        label=label,
                        entry=by_id[score.entry_id],
                        rank=score.rank,
                        certificate_no=f"XF{contest.pk:04d}-{score.rank:04d}",
                    )
                )
        Award.objects.bulk_create(awards)
        awarded = [a.entry_id for a in awards if a.entry_id is not None]
        Standing.objects.filter(round=locked, entry_id__in=awarded).update(
            decision=Decision.ADVANCED
        )
        Standing.objects.filter(round=locked).exclude(entry_id__in=awarded).update(
            decision=Decision.STOPPED
        )
        transition(
            locked,
            ROUND_MACHINE,
            RoundState.PUBLISHED,
            actor=actor,
            org=contest.org,
            fields={"published_at": timezone.now()},
            data={"contest_id": contest.pk},
        )
        transition(contest, CONTEST_MACHINE, ContestState.FINISHED, actor=actor, org=contest.org)
        audit_log(
            actor=actor,
            action="contest.awards",
            obj=contest,
            org=contest.org,
            data={"awards": [(a.label, a.entry_id, a.rank) for a in awards]},
        )
        url = reverse("contests:detail", args=[contest.pk])
        batch = (
            batch_start(
                actor=actor,
                kind="contest.award",
                title=f"{contest.title}获奖通知",
                org=contest.org,
                about=contest,
            )
            if awards
            else None
        )
        for award in awards:
            assert award.entry is not None
            notify(
                users=_entrants(award.entry),
                title=f"恭喜！《{award.entry.lesson.title}》获{contest.title}{award.label}",
                body="可以在竞赛页面下载获奖证书。",
                url=url,
                kind="contest.award",
                batch=batch,
            )
    return awards


def org_award_give(*, actor: User, contest: Contest, org: Org) -> Award:
    """优秀组织奖 for an org that organised its members well."""
    _organiser(actor, contest)
    if not org.path.startswith(contest.org.path):
        raise Refused("只能授予本次竞赛范围内的组织")
    with transaction.atomic():
        n = Award.objects.filter(contest=contest, level=ORG_AWARD).count() + 1
        award = Award.objects.create(
            contest=contest,
            level=ORG_AWARD,
            label=ORG_AWARD_LABEL,
            org=org,
            certificate_no=f"XF{contest.pk:04d}-O{n:03d}",
        )
        audit_log(
            actor=actor,
            action="contest.org_award",
            obj=award,
            org=contest.org,
            data={"org": org.pk},
        )
    return award


def awards_to_showcase(*, actor: User, contest: Contest) -> Any:
    """Put the winning lessons, in award order, into the organiser's showcase (展播)."""

    _organiser(actor, contest)
    lessons = [
        a.entry.lesson
        for a in Award.objects.filter(contest=contest, entry__isnull=False)
        .select_related("entry__lesson")
        .order_by("rank")
        if a.entry is not None
    ]
    if not lessons:
        raise Refused("还没有获奖作品")
    showcase = showcase_for_org(actor=actor, org=contest.org, title=f"{contest.title}获奖作品展播")
    showcase_set_items(actor=actor, showcase=showcase, lessons=lessons)
    return showcase


def awards_to_channel(*, actor: User, contest: Contest, showcase: Showcase) -> tuple[int, int]:
    """Any curator's way in: add a contest's winning lessons (a contest the curator may see,
    chosen through its selector by the caller), in award order, after the lessons already
    in one of the curator's channels. Only lessons published and visible to the curator go
    in (their audience is not widened: that is the organiser's own showcase's business);
    returns how many were added and how many were left out as not visible to them."""
    won = list(
        Award.objects.filter(
            contest=contest, entry__isnull=False, entry__lesson__state=LessonState.PUBLISHED
        )
        .order_by("rank", "id")
        .values_list("entry__lesson_id", flat=True)
    )
    if not won:
        raise Refused("这次竞赛还没有已发布的获奖作品")
    visible = published_lessons_for(actor).in_bulk(won)
    lessons = [visible[i] for i in dict.fromkeys(won) if i in visible]
    with transaction.atomic():
        added = showcase_append(actor=actor, showcase=showcase, lessons=lessons)
        audit_log(
            actor=actor,
            action="contest.to_channel",
            obj=contest,
            org=contest.org,
            data={"showcase": showcase.pk, "added": [lesson.pk for lesson in added]},
        )
    return len(added), len(dict.fromkeys(won)) - len(lessons)
