"""Writes of contests: setting one up, entering, deciding, judging, voting, publishing,
awards and the showcase."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.common.transitions import transition
from xianfeng.contests.enums import (
    AWARD_LEVELS,
    CONTEST_MACHINE,
    ORG_AWARD,
    ORG_AWARD_LABEL,
    ROUND_MACHINE,
    Aggregation,
    ContestState,
    Decision,
    Level,
    Recurrence,
    RoundState,
)
from xianfeng.contests.models import (
    Award,
    Contest,
    Criterion,
    Entry,
    EntryVersion,
    Review,
    Round,
    RoundJudge,
    Standing,
    Vote,
)
from xianfeng.contests.rules import can_decide, can_organise, can_organise_at, has_conflict
from xianfeng.contests.selectors import in_scope, judge_of, round_ranking
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.rules import can_manage_lessons, is_lesson_owner
from xianfeng.lessons.services import showcase_for_org, showcase_set_items
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.notify.services import batch_start, notify
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of


def _today() -> datetime.date:
    return timezone.localdate()


def _organiser(actor: User, contest: Contest) -> None:
    if not can_organise(actor, contest):
        raise PermissionDenied("只有主办组织的管理员可以操作")


# --- setting up -------------------------------------------------------------------------


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
) -> Round:
    """Add the next round (tier) with its rubric."""
    _organiser(actor, contest)
    if contest.state == ContestState.FINISHED:
        raise Refused("竞赛已结束")
    if ends_on < starts_on:
        raise Refused("结束日期不能早于开始日期", field="ends_on")
    if not 0 <= vote_share <= 100:
        raise Refused("投票占比应在 0 到 100 之间", field="vote_share")
    if level not in Level.values or aggregation not in Aggregation.values:
        raise Refused("评选层级或计分方式不正确")
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
        )
        if criteria:
            _criteria_replace(round_, criteria)
        audit_log(
            actor=actor,
            action="round.add",
            obj=round_,
            org=contest.org,
            data={"level": level, "quota": quota},
        )
    return round_


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


def decider_for(level: str, entry_org: Org, contest: Contest) -> Org:
    """Which org decides an entry at a level: its branch, its town-level committee (the
    highest committee below the organiser), or the organiser."""
    if level == Level.ORGANISER:
        return contest.org
    ids = paths.ids_in(entry_org.path)
    chain = Org.objects.in_bulk(ids)
    ordered = [chain[i] for i in ids if i in chain]
    if level == Level.BRANCH:
        for org in reversed(ordered):
            if org.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
                return org
        return entry_org
    for org in ordered:
        if org.depth > contest.org.depth and org.kind in (
            OrgKind.COMMITTEE,
            OrgKind.WORKING_COMMITTEE,
        ):
            return org
    return contest.org


def _entry_code(contest: Contest) -> str:
    count = Entry.objects.filter(contest=contest).count()
    return f"{contest.pk:03d}-{count + 1:04d}"


def entry_submit(*, actor: User, contest: Contest, lesson: Lesson) -> Entry:
    """Enter a published lesson: its speaker or author enters it, or a manager of its org
    nominates it. Refused outside the scope, outside the first round's dates, twice."""
    first = contest.rounds.order_by("number").first()
    if contest.state != ContestState.OPEN or first is None or first.state != RoundState.OPEN:
        raise Refused("竞赛当前不接受报名")
    today = _today()
    if not first.starts_on <= today <= first.ends_on:
        raise Refused(f"报名时间为 {first.starts_on:%Y-%m-%d} 至 {first.ends_on:%Y-%m-%d}")
    if not (is_lesson_owner(actor, lesson) or can_manage_lessons(actor, lesson.org)):
        raise PermissionDenied("只能报送自己的微党课，或由本支部推荐")
    if not in_scope(contest, lesson.org):
        raise Refused("该微党课所在组织不在本次竞赛的范围内")
    if (
        lesson.state != LessonState.PUBLISHED
        or lesson.video is None
        or lesson.video.status != VideoStatus.READY
    ):
        raise Refused("只有已发布、视频已处理完成的微党课可以参赛")
    try:
        with transaction.atomic():
            Contest.objects.select_for_update().filter(pk=contest.pk).first()  # serialise codes
            entry = Entry.objects.create(
                contest=contest,
                lesson=lesson,
                org=lesson.org,
                entered_by=actor,
                code=_entry_code(contest),
            )
            EntryVersion.objects.create(entry=entry, number=1, video=lesson.video)
            Standing.objects.create(
                entry=entry, round=first, decider=decider_for(first.level, lesson.org, contest)
            )
            audit_log(
                actor=actor,
                action="entry.submit",
                obj=entry,
                org=lesson.org,
                data={"lesson": lesson.pk},
            )
    except IntegrityError as exc:
        raise Refused("这节微党课已经报名参赛了") from exc
    return entry


def entry_add_version(*, actor: User, entry: Entry, video: Video, note: str = "") -> EntryVersion:
    """An improved video (打磨) for the next round; earlier versions and their scores stay."""
    lesson = entry.lesson
    if not is_lesson_owner(actor, lesson):
        raise PermissionDenied("只有作者可以提交修改后的版本")
    if video.status != VideoStatus.READY:
        raise Refused("新视频尚未处理完成")
    if entry.standings.filter(
        decision=Decision.STOPPED, round__state=RoundState.PUBLISHED
    ).exists():
        raise Refused("作品已止步，不能再提交新版本")
    with transaction.atomic():
        number = (entry.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = EntryVersion.objects.create(
            entry=entry, number=number, video=video, note=note[:200]
        )
        audit_log(
            actor=actor, action="entry.version", obj=version, org=entry.org, data={"number": number}
        )
    return version


# --- deciding ---------------------------------------------------------------------------


def standing_decide(*, actor: User, standing: Standing, decision: str) -> Standing:
    """The deciding org records advance or stop, quietly: entrants learn it when the round
    is published. Above the round's quota per deciding org is refused."""
    if decision not in (Decision.ADVANCED, Decision.STOPPED, Decision.PENDING):
        raise Refused("结果不正确")
    if not can_decide(actor, standing):
        raise PermissionDenied("您不能为该组织推荐作品")
    with transaction.atomic():
        # The round row is the lock: two secretaries deciding at once count the quota in turn.
        round_ = Round.objects.select_for_update().get(pk=standing.round_id)
        locked = Standing.objects.select_for_update().get(pk=standing.pk)
        if round_.state != RoundState.OPEN:
            raise Refused("本轮已经公布或尚未开始，不能再改")
        if decision == Decision.ADVANCED and round_.quota and locked.decision != Decision.ADVANCED:
            used = Standing.objects.filter(
                round=round_, decider=locked.decider, decision=Decision.ADVANCED
            ).count()
            if used >= round_.quota:
                raise Refused(
                    f"每个组织本轮最多推荐 {round_.quota} 个作品，"
                    f"{locked.decider.name}已推荐 {used} 个"
                )
        locked.decision = decision
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_log(
            actor=actor,
            action="standing.decide",
            obj=locked,
            org=locked.decider,
            data={"decision": decision},
        )
    return locked


def round_publish(*, actor: User, round_: Round) -> Round:
    """Publish a round's decisions together, move the advanced entries on, tell entrants.

    A round whose decisions are not all made is refused (the organiser sees how many). The
    last round is published by awards_assign instead.
    """
    contest = round_.contest
    _organiser(actor, contest)
    nxt = contest.rounds.filter(number__gt=round_.number).order_by("number").first()
    if nxt is None:
        raise Refused("最后一轮请通过评定奖项来公布结果")
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.state != RoundState.OPEN:
            raise Refused("本轮不在进行中")
        pending = Standing.objects.filter(round=locked, decision=Decision.PENDING).count()
        if pending:
            raise Refused(f"还有 {pending} 个作品没有决定是否晋级")
        standings = list(
            Standing.objects.filter(round=locked).select_related(
                "entry__lesson__speaker", "entry__org"
            )
        )
        advanced = [s for s in standings if s.decision == Decision.ADVANCED]
        Standing.objects.bulk_create(
            Standing(entry=s.entry, round=nxt, decider=decider_for(nxt.level, s.entry.org, contest))
            for s in advanced
        )
        transition(
            locked,
            ROUND_MACHINE,
            RoundState.PUBLISHED,
            actor=actor,
            org=contest.org,
            fields={"published_at": timezone.now()},
            data={
                "contest_id": contest.pk,
                "advanced": len(advanced),
                "stopped": len(standings) - len(advanced),
            },
        )
        transition(nxt, ROUND_MACHINE, RoundState.OPEN, actor=actor, org=contest.org)
        url = reverse("contests:detail", args=[contest.pk])
        # One batch for the whole publication, so the organiser sees one reach.
        batch = (
            batch_start(
                actor=actor,
                kind="contest.result",
                title=f"{contest.title}{locked.name}结果",
                org=contest.org,
                about=contest,
            )
            if standings
            else None
        )
        for s in standings:
            verdict = "晋级" if s.decision == Decision.ADVANCED else "未晋级"
            notify(
                users=_entrants(s.entry),
                title=f"《{s.entry.lesson.title}》在{contest.title}{locked.name}{verdict}",
                url=url,
                kind="contest.result",
                batch=batch,
            )
    return locked


def _entrants(entry: Entry) -> list[Any]:
    people = [entry.lesson.author]
    speaker = entry.lesson.speaker
    if speaker is not None:
        people.append(speaker.user)
    return people


# --- judging ----------------------------------------------------------------------------


def review_save(
    *,
    judge: Any,
    round_: Round,
    entry: Entry,
    scores: Mapping[Any, Any],
    feedback: str = "",
    abstain: bool = False,
    today: datetime.date | None = None,
) -> Review:
    """A judge's scores for an entry: checked against the rubric, the round's dates, the
    assignment and conflicts of interest. Saving again updates the same review."""

    assignment = judge_of(judge, round_)
    if assignment is None:
        raise PermissionDenied("您不是本轮评委")
    if not assignment.all_entries and not assignment.entries.filter(pk=entry.pk).exists():
        raise PermissionDenied("该作品没有分配给您")
    if not Standing.objects.filter(round=round_, entry=entry).exists():
        raise Refused("该作品不在本轮")
    member = member_of(judge)
    if has_conflict(judge, entry, member.org if member else None):
        raise PermissionDenied("该作品与您所在组织有关，您需要回避")
    day = today or _today()
    if round_.state != RoundState.OPEN or not round_.starts_on <= day <= round_.ends_on:
        raise Refused(f"本轮评审时间为 {round_.starts_on:%Y-%m-%d} 至 {round_.ends_on:%Y-%m-%d}")
    clean: dict[str, str] = {}
    if not abstain:
        for criterion in Criterion.objects.filter(round=round_):
            raw = scores.get(criterion.pk, scores.get(str(criterion.pk)))
            if raw in (None, ""):
                if criterion.required:
                    raise Refused(f"请为“{criterion.name}”打分")
                continue
            try:
                value = Decimal(str(raw))
            except InvalidOperation as exc:
                raise Refused(f"“{criterion.name}”的分数不是数字") from exc
            if not Decimal(0) <= value <= criterion.max_score:
                raise Refused(f"“{criterion.name}”的分数应在 0 到 {criterion.max_score} 之间")
            clean[str(criterion.pk)] = str(value)
    version = entry.versions.order_by("-number").first()
    if version is None:
        raise Refused("作品没有视频")
    for _attempt in range(2):
        try:
            with transaction.atomic():
                review, created = Review.objects.select_for_update().get_or_create(
                    round=round_,
                    entry=entry,
                    judge=judge,
                    defaults={
                        "version": version,
                        "scores": clean,
                        "abstained": abstain,
                        "feedback": feedback.strip(),
                    },
                )
                if not created:
                    review.version, review.scores, review.abstained = version, clean, abstain
                    review.feedback = feedback.strip()
                    review.save()
                audit_log(
                    actor=judge,
                    action="review.save",
                    obj=review,
                    org=round_.contest.org,
                    data={
                        "entry": entry.pk,
                        "scores": clean,
                        "abstained": abstain,
                        "version": version.number,
                    },
                )
                return review
        except IntegrityError:
            continue  # a double click created it a moment ago: update that one
    raise Refused("评分提交冲突，请重试")


def vote_cast(*, user: Any, round_: Round, entry: Entry) -> Vote:
    """A member's public vote: members in scope only, once per entry (a double click once)."""
    if not round_.vote_share:
        raise Refused("本轮没有群众投票")
    if round_.state != RoundState.OPEN or not round_.starts_on <= _today() <= round_.ends_on:
        raise Refused("本轮投票已结束或尚未开始")
    member = member_of(user)
    if member is None or not in_scope(round_.contest, member.org):
        raise PermissionDenied("只有本次竞赛范围内的党员可以投票")
    if not Standing.objects.filter(round=round_, entry=entry).exists():
        raise Refused("该作品不在本轮")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(round=round_, entry=entry, user=user)
    except IntegrityError:
        existing = Vote.objects.get(round=round_, entry=entry, user=user)
        return existing
    return vote


# --- results ----------------------------------------------------------------------------


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
