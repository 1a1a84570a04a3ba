"""On-stage rounds (走上讲台讲党课): speakers entered by speaker and topic, the order of
speakers, the timed speech, the judges' scores given on the spot and the host's reveal,
after which the score shown is fixed and the judges' reviews are locked."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.common.transitions import transition
from xianfeng.contests.enums import (
    STAGE_MACHINE,
    ContestState,
    RoundState,
    StageState,
)
from xianfeng.contests.models import Contest, Entry, Review, Round, StageSlot, Standing
from xianfeng.contests.scoring import aggregate, totaller
from xianfeng.contests.selectors import criteria_specs, in_scope
from xianfeng.contests.services._shared import _entry_code, _organiser
from xianfeng.lessons.services import LessonData, lesson_create
from xianfeng.people.models import Member, User


class StageRefused(Refused):
    """A judge's score the stage cannot take now. `retry`: it may be taken later (the
    speech has not ended yet), so a device keeps it queued; otherwise it never will be
    (the score was revealed), so the device drops it and says so."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def _stage_round(round_: Round) -> None:
    if not round_.on_stage:
        raise Refused("本轮不是现场比赛")


def _next_position(round_: Round) -> int:
    return (StageSlot.objects.filter(round=round_).aggregate(n=Max("position"))["n"] or 0) + 1


def stage_entry_add(*, actor: User, round_: Round, speaker: Member, topic: str) -> Entry:
    """The organiser enters a speaker and a topic into an on-stage round. The entry's lesson
    is a draft titled by the topic, with the speaker; a recording attached afterwards makes
    it an ordinary lesson. The speaker goes to the end of the order."""
    contest = round_.contest
    _organiser(actor, contest)
    _stage_round(round_)
    topic = " ".join(topic.split())
    if is_blank(topic):
        raise Refused("请填写演讲题目", field="topic")
    if len(topic) > 80:
        raise Refused("演讲题目最多 80 个字", field="topic")
    if contest.state == ContestState.FINISHED or round_.state == RoundState.PUBLISHED:
        raise Refused("本轮已经公布，不能再添加选手")
    if not in_scope(contest, speaker.org):
        raise Refused("该党员所在组织不在本次竞赛的范围内", field="speaker")
    with transaction.atomic():
        Contest.objects.select_for_update().filter(pk=contest.pk).first()  # serialise codes
        if Standing.objects.filter(round=round_, entry__lesson__speaker=speaker).exists():
            raise Refused(f"{speaker.user.name}已在本轮出场名单中", field="speaker")
        # The draft is the speaker's own (they attach the recording and publish it), so
        # its author is the speaker; the organiser's part is the stage.entry audit row.
        lesson = lesson_create(
            actor=speaker.user, org=speaker.org, data=LessonData(title=topic, speaker=speaker)
        )
        entry = Entry.objects.create(
            contest=contest,
            lesson=lesson,
            org=speaker.org,
            entered_by=actor,
            code=_entry_code(contest),
        )
        Standing.objects.create(entry=entry, round=round_, decider=contest.org)
        slot = StageSlot.objects.create(round=round_, entry=entry, position=_next_position(round_))
        audit_log(
            actor=actor,
            action="stage.entry",
            obj=entry,
            org=speaker.org,
            data={"round_id": round_.pk, "speaker_id": speaker.pk, "position": slot.position},
        )
    return entry


def stage_slots_fill(*, round_: Round) -> int:
    """Give every entry of an on-stage round that has no turn yet one at the end of the
    order (entries that advanced from a video round): in entry order. Returns how many."""
    if not round_.on_stage:
        return 0
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=round_.pk).first()
        missing = list(
            Entry.objects.filter(standings__round=round_)
            .exclude(slots__round=round_)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)
        )
        start = _next_position(round_)
        StageSlot.objects.bulk_create(
            StageSlot(round=round_, entry_id=pk, position=start + i) for i, pk in enumerate(missing)
        )
    return len(missing)


def stage_draw(*, actor: User, round_: Round, rng: random.Random | None = None) -> list[int]:
    """抽签: a random order of speakers, before the first speech only."""
    _organiser(actor, round_.contest)
    _stage_round(round_)
    with transaction.atomic():
        slots = list(StageSlot.objects.select_for_update().filter(round=round_))
        if any(s.state != StageState.WAITING for s in slots):
            raise Refused("已经开始演讲，不能再抽签")
        order = [s.pk for s in slots]
        (rng or random.SystemRandom()).shuffle(order)
        # Two passes through positions no slot holds, so the unique order never collides.
        offset = len(slots) + 1000
        for slot in slots:
            slot.position += offset
        StageSlot.objects.bulk_update(slots, ["position"])
        by_pk = {s.pk: s for s in slots}
        for index, pk in enumerate(order, start=1):
            by_pk[pk].position = index
        StageSlot.objects.bulk_update(slots, ["position"])
        audit_log(
            actor=actor,
            action="stage.draw",
            obj=round_,
            org=round_.contest.org,
            data={"order": [by_pk[pk].entry_id for pk in order]},
        )
    return [by_pk[pk].entry_id for pk in order]


def _locked_slot(slot: StageSlot) -> StageSlot:
    return StageSlot.objects.select_for_update().select_related("round__contest").get(pk=slot.pk)


def _open_round(round_: Round) -> None:
    if round_.state != RoundState.OPEN:
        raise Refused("本轮不在进行中")


def stage_start(*, actor: User, slot: StageSlot) -> StageSlot:
    """The host calls the next speaker: the speech's clock starts. One speech at a time."""
    _organiser(actor, slot.round.contest)
    with transaction.atomic():
        locked = _locked_slot(slot)
        _open_round(locked.round)
        Round.objects.select_for_update().filter(pk=locked.round_id).first()
        if StageSlot.objects.filter(round_id=locked.round_id, state=StageState.SPEAKING).exists():
            raise Refused("还有选手正在演讲，请先结束")
        transition(
            locked,
            STAGE_MACHINE,
            StageState.SPEAKING,
            actor=actor,
            org=locked.round.contest.org,
            fields={"started_at": timezone.now()},
            data={"round_id": locked.round_id, "entry_id": locked.entry_id},
        )
    return locked


def stage_stop(*, actor: User | None, slot: StageSlot) -> StageSlot:
    """The speech ends (the host, or the clock at the round's limit): judges submit."""
    if actor is not None:
        _organiser(actor, slot.round.contest)
    with transaction.atomic():
        locked = _locked_slot(slot)
        transition(
            locked,
            STAGE_MACHINE,
            StageState.SCORING,
            actor=actor,
            org=locked.round.contest.org,
            fields={"ended_at": timezone.now()},
            data={"round_id": locked.round_id, "entry_id": locked.entry_id},
        )
    return locked


def speech_over(slot: StageSlot, now: Any = None) -> bool:
    """Whether the speech has ended: stopped by the host, or past the round's limit."""
    if slot.state in (StageState.SCORING, StageState.REVEALED):
        return True
    if slot.state != StageState.SPEAKING or slot.started_at is None:
        return False
    elapsed = ((now or timezone.now()) - slot.started_at).total_seconds()
    return elapsed >= slot.round.stop_seconds


def stage_accepts(round_: Round, entry: Entry) -> None:
    """Inside review_save's transaction: lock the entry's turn and refuse a score the stage
    cannot take (before the speech ends, after the reveal). The lock orders a score against
    a concurrent reveal: a score either counts in the revealed figure or is refused."""
    slot = (
        StageSlot.objects.select_for_update()
        .select_related("round")
        .filter(round=round_, entry=entry)
        .first()
    )
    if slot is None:
        raise Refused("该选手不在出场名单中")
    if slot.state == StageState.REVEALED:
        raise StageRefused("成绩已揭晓，评分已锁定，不能再提交或修改", retry=False)
    if not speech_over(slot):
        raise StageRefused("演讲结束后才能提交评分，已为您暂存", retry=True)


def stage_reveal(*, actor: User, slot: StageSlot, allow_missing: bool = False) -> StageSlot:
    """The host reveals a speaker's score: the round's aggregation over the judges' totals
    (the trimmed mean drops the highest and the lowest with enough judges), stored on the
    turn with each judge's total. From now on the judges' reviews of it are locked.

    With judges still to submit, the host is told how many, and reveals only when sure."""
    contest = slot.round.contest
    _organiser(actor, contest)
    with transaction.atomic():
        locked = _locked_slot(slot)
        round_ = locked.round
        _open_round(round_)
        if locked.state == StageState.SPEAKING and speech_over(locked):
            # The clock ran out and nobody pressed stop: the speech ended at the limit.
            stage_stop(actor=None, slot=locked)
        if locked.state == StageState.REVEALED:
            raise Refused("成绩已经揭晓，不能再改")
        if locked.state != StageState.SCORING:
            raise Refused("演讲结束后才能揭晓成绩")
        specs = criteria_specs(round_)
        total_of = totaller(specs)
        reviews = list(
            Review.objects.filter(round=round_, entry_id=locked.entry_id, abstained=False)
            .order_by("judge_id")
            .values_list("scores", flat=True)
        )
        totals = [t for t in (total_of(scores) for scores in reviews) if t is not None]
        if not totals:
            raise Refused("还没有评委提交评分")
        expected = _expected_judges(round_, locked.entry)
        abstained = Review.objects.filter(
            round=round_, entry_id=locked.entry_id, abstained=True
        ).count()
        missing = max(0, expected - len(totals) - abstained)
        if missing and not allow_missing:
            raise Refused(f"还有 {missing} 位评委没有提交评分，确定要现在揭晓吗？")
        score = aggregate(totals, round_.aggregation)
        transition(
            locked,
            STAGE_MACHINE,
            StageState.REVEALED,
            actor=actor,
            org=contest.org,
            fields={
                "revealed_at": timezone.now(),
                "score": score,
                "judge_totals": [str(t) for t in totals],
            },
            data={
                "round_id": round_.pk,
                "entry_id": locked.entry_id,
                "score": str(score),
                "judges": len(totals),
                "missing": missing,
            },
        )
    return locked


def _expected_judges(round_: Round, entry: Entry) -> int:
    """The judges who may score this entry (assigned to it or to all entries)."""
    return sum(
        1
        for judge in round_.judges.prefetch_related("entries")
        if judge.all_entries or any(e.pk == entry.pk for e in judge.entries.all())
    )
