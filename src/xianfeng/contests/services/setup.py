"""Setting a contest up: the contest, its rounds and rubrics, judges, opening it, and the
monthly 评比 opened by a periodic job."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.common.transitions import transition
from xianfeng.contests.enums import (
    CONTEST_MACHINE,
    ROUND_MACHINE,
    STAGE_STOP_SECONDS,
    STAGE_WARN_SECONDS,
    Aggregation,
    ContestState,
    Level,
    Recurrence,
    RoundState,
    StageState,
)
from xianfeng.contests.models import (
    Contest,
    Criterion,
    Entry,
    Round,
    RoundJudge,
)
from xianfeng.contests.rules import can_organise_at
from xianfeng.contests.services._shared import (
    _organiser,
    _today,
)
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


def contest_create(
    *,
    actor: User,
    org: Org,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    theme: str = "",
    description: str = "",
    extra_orgs: Iterable[Org] = (),
    recurrence: str = Recurrence.NONE,
) -> Contest:
    """An org admin (county or committee) opens a contest over the org's subtree."""
    if not can_organise_at(actor, org):
        raise PermissionDenied("只有该组织的管理员可以举办竞赛")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise Refused("竞赛应由党委、党工委或党总支举办", field="org")
    title = " ".join(title.split())
    if is_blank(title):
        raise Refused("请填写竞赛名称", field="title")
    if ends_on < starts_on:
        raise Refused("结束日期不能早于开始日期", field="ends_on")
    with transaction.atomic():
        contest = Contest.objects.create(
            org=org,
            title=title[:100],
            theme=theme.strip()[:100],
            description=description.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            recurrence=recurrence,
            created_by=actor,
        )
        contest.extra_orgs.set(list(extra_orgs))
        audit_log(
            actor=actor,
            action="contest.create",
            obj=contest,
            org=org,
            data={"title": contest.title},
        )
    return contest


@dataclass(frozen=True)
class CriterionData:
    name: str
    weight: Decimal
    max_score: int = 100
    required: bool = True
    counted: bool = True


def round_add(
    *,
    actor: User,
    contest: Contest,
    name: str,
    level: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    quota: int = 0,
    aggregation: str = Aggregation.MEAN,
    vote_share: int = 0,
    blind: bool = False,
    judges_see_others: bool = False,
    criteria: Sequence[CriterionData] = (),
    on_stage: bool = False,
    warn_seconds: int = STAGE_WARN_SECONDS,
    stop_seconds: int = STAGE_STOP_SECONDS,
    show_judge_scores: bool = True,
) -> Round:
    """Add the next round (tier) with its rubric; an on-stage round (走上讲台) with its
    speech timing and whether the big screen shows each judge's total."""
    _organiser(actor, contest)
    if contest.state == ContestState.FINISHED:
        raise Refused("竞赛已结束")
    if ends_on < starts_on:
        raise Refused("结束日期不能早于开始日期", field="ends_on")
    if not 0 <= vote_share <= 100:
        raise Refused("投票占比应在 0 到 100 之间", field="vote_share")
    if level not in Level.values or aggregation not in Aggregation.values:
        raise Refused("评选层级或计分方式不正确")
    if on_stage:
        _check_stage_timing(warn_seconds, stop_seconds)
        if vote_share:
            # A revealed score is final; votes arriving afterwards would move it.
            raise Refused("现场比赛的成绩当场揭晓，不能设置群众投票", field="vote_share")
    with transaction.atomic():
        last = contest.rounds.aggregate(n=Max("number"))["n"] or 0
        if last and contest.rounds.filter(number=last, level=Level.ORGANISER).exists():
            raise Refused("主办方终评必须是最后一轮")
        round_ = Round.objects.create(
            contest=contest,
            number=last + 1,
            name=" ".join(name.split())[:50] or f"第{last + 1}轮",
            level=level,
            starts_on=starts_on,
            ends_on=ends_on,
            quota=quota,
            aggregation=aggregation,
            vote_share=vote_share,
            blind=blind,
            judges_see_others=judges_see_others,
            on_stage=on_stage,
            warn_seconds=warn_seconds if on_stage else STAGE_WARN_SECONDS,
            stop_seconds=stop_seconds if on_stage else STAGE_STOP_SECONDS,
            show_judge_scores=show_judge_scores,
        )
        if criteria:
            _criteria_replace(round_, criteria)
        audit_log(
            actor=actor,
            action="round.add",
            obj=round_,
            org=contest.org,
            data={"level": level, "quota": quota, "on_stage": on_stage},
        )
    return round_


def _check_stage_timing(warn_seconds: int, stop_seconds: int) -> None:
    if not 60 <= stop_seconds <= 3600:
        raise Refused("限时应在 1 到 60 分钟之间", field="stop_seconds")
    if not 30 <= warn_seconds < stop_seconds:
        raise Refused("提醒时间应早于限时", field="warn_seconds")


def _criteria_replace(round_: Round, criteria: Sequence[CriterionData]) -> None:
    counted = [c for c in criteria if c.counted]
    if not counted:
        raise Refused("至少需要一个计入总分的评分项")
    if sum((c.weight for c in counted), Decimal(0)) != Decimal(100):
        raise Refused("计入总分的评分项权重之和应为 100%")
    for c in criteria:
        if is_blank(c.name):
            raise Refused("请填写评分项名称")
        if c.max_score <= 0 or c.weight < 0:
            raise Refused(f"评分项“{c.name}”的满分或权重不正确")
    Criterion.objects.filter(round=round_).delete()
    Criterion.objects.bulk_create(
        Criterion(
            round=round_,
            name=c.name.strip()[:30],
            weight=c.weight if c.counted else Decimal(0),
            max_score=c.max_score,
            required=c.required,
            counted=c.counted,
            order=i,
        )
        for i, c in enumerate(criteria)
    )


def criteria_set(*, actor: User, round_: Round, criteria: Sequence[CriterionData]) -> None:
    """Replace a round's rubric. Scores are kept per criterion, so changing weights only
    changes the computed totals; removing a criterion is refused once scores exist."""
    _organiser(actor, round_.contest)
    with transaction.atomic():
        if round_.slots.filter(state=StageState.REVEALED).exists():
            raise Refused("已有选手的成绩揭晓，评分细则不能再改")
        if round_.reviews.exists():
            existing = {c.name for c in Criterion.objects.filter(round=round_)}
            if existing - {c.name.strip() for c in criteria}:
                raise Refused("已有评分，不能删除评分项；可以调整权重")
            by_name = {c.name: c for c in Criterion.objects.filter(round=round_)}
            for i, data in enumerate(criteria):
                crit = by_name.get(data.name.strip())
                if crit is None:
                    raise Refused("已有评分，不能新增评分项")
                crit.weight, crit.max_score, crit.required, crit.counted, crit.order = (
                    data.weight if data.counted else Decimal(0),
                    data.max_score,
                    data.required,
                    data.counted,
                    i,
                )
            counted = [c for c in criteria if c.counted]
            if sum((c.weight for c in counted), Decimal(0)) != Decimal(100):
                raise Refused("计入总分的评分项权重之和应为 100%")
            Criterion.objects.bulk_update(
                by_name.values(), ["weight", "max_score", "required", "counted", "order"]
            )
        else:
            _criteria_replace(round_, criteria)
        audit_log(
            actor=actor,
            action="round.criteria",
            obj=round_,
            org=round_.contest.org,
            data={"criteria": [(c.name, str(c.weight), c.counted) for c in criteria]},
        )


def judge_assign(
    *, actor: User, round_: Round, user: Any, entries: Iterable[Entry] | None = None
) -> RoundJudge:
    """Make `user` a judge of the round: all entries, or only `entries`."""
    _organiser(actor, round_.contest)
    with transaction.atomic():
        judge, _ = RoundJudge.objects.get_or_create(round=round_, user=user)
        chosen = list(entries) if entries is not None else None
        judge.all_entries = chosen is None
        judge.save(update_fields=["all_entries"])
        judge.entries.set(chosen or [])
        audit_log(
            actor=actor,
            action="round.judge",
            obj=judge,
            org=round_.contest.org,
            data={
                "user": user.pk,
                "entries": [e.pk for e in chosen] if chosen is not None else "all",
            },
        )
    return judge


def contest_open(*, actor: User, contest: Contest) -> Contest:
    """Open the contest: its first round starts taking entries."""
    _organiser(actor, contest)
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        first = contest.rounds.order_by("number").first()
        if first is None:
            raise Refused("请先设置评选轮次")
        if contest.state != ContestState.DRAFT:
            raise Refused("竞赛已经开始")
        transition(contest, CONTEST_MACHINE, ContestState.OPEN, actor=actor, org=contest.org)
        transition(first, ROUND_MACHINE, RoundState.OPEN, actor=actor, org=contest.org)
    return contest


# --- entering ---------------------------------------------------------------------------


def contest_open_next_month(
    *, template: Contest, today: datetime.date | None = None
) -> Contest | None:
    """For a monthly 评比: open this month's contest from the template, once."""
    day = today or _today()
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    if Contest.objects.filter(template=template, starts_on=start).exists():
        return None
    with transaction.atomic():
        contest = Contest.objects.create(
            org=template.org,
            title=f"{template.title}（{start:%Y年%m月}）",
            theme=template.theme,
            description=template.description,
            starts_on=start,
            ends_on=end,
            template=template,
            created_by=template.created_by,
            state=ContestState.OPEN,
        )
        contest.extra_orgs.set(template.extra_orgs.all())
        for i, r in enumerate(template.rounds.order_by("number")):
            span = (end - start).days + 1
            r_start = start + datetime.timedelta(days=span * i // max(1, template.rounds.count()))
            r_end = start + datetime.timedelta(
                days=span * (i + 1) // max(1, template.rounds.count()) - 1
            )
            copy = Round.objects.create(
                contest=contest,
                number=r.number,
                name=r.name,
                level=r.level,
                starts_on=r_start,
                ends_on=r_end,
                quota=r.quota,
                aggregation=r.aggregation,
                vote_share=r.vote_share,
                blind=r.blind,
                judges_see_others=r.judges_see_others,
                on_stage=r.on_stage,
                warn_seconds=r.warn_seconds,
                stop_seconds=r.stop_seconds,
                show_judge_scores=r.show_judge_scores,
                state=RoundState.OPEN if i == 0 else RoundState.PENDING,
            )
            Criterion.objects.bulk_create(
                Criterion(
                    round=copy,
                    name=c.name,
                    weight=c.weight,
                    max_score=c.max_score,
                    required=c.required,
                    counted=c.counted,
                    order=c.order,
                )
                for c in r.criteria.all()
            )
            for judge in r.judges.all():
                RoundJudge.objects.create(round=copy, user=judge.user, all_entries=True)
        audit_log(
            actor=None,
            action="contest.monthly",
            obj=contest,
            org=contest.org,
            data={"template": template.pk},
        )
    return contest
