"""Entries and the rounds' quiet decisions: entering, improved versions (打磨), deciding,
publishing a round."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.contests.enums import (
    ROUND_MACHINE,
    ContestState,
    Decision,
    Level,
    RoundState,
)
from xianfeng.contests.models import (
    Contest,
    Entry,
    EntryVersion,
    Round,
    Standing,
)
from xianfeng.contests.rules import can_decide
from xianfeng.contests.selectors import in_scope
from xianfeng.contests.services._shared import (
    _entry_code,
    _organiser,
    _today,
)
from xianfeng.contests.services.stage import stage_slots_fill
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.practice.tours import lesson_version_record
from xianfeng.lessons.rules import can_manage_lessons, is_lesson_owner
from xianfeng.lessons.services import lesson_recording_attach
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.notify.services import batch_start, notify
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


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
            # The lesson keeps its own record of versions (a tour names the one it showed).
            lesson_version_record(lesson=lesson, video=lesson.video)
            Standing.objects.create(
                entry=entry, round=first, decider=decider_for(first.level, lesson.org, contest)
            )
            stage_slots_fill(round_=first)
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
        # A speech given on stage had no video: its first recording becomes the lesson's.
        lesson_recording_attach(lesson=lesson, video=video)
        number = (entry.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = EntryVersion.objects.create(
            entry=entry, number=number, video=video, note=note[:200]
        )
        lesson_version_record(lesson=lesson, video=video, note=note)
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
        stage_slots_fill(round_=nxt)  # an on-stage round: the advanced speakers' turns
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
