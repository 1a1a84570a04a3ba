"""Judging against the rubric and the public vote."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.contests.enums import (
    RoundState,
)
from xianfeng.contests.models import (
    Criterion,
    Entry,
    Review,
    Round,
    Standing,
    Vote,
)
from xianfeng.contests.rules import has_conflict
from xianfeng.contests.selectors import in_scope, judge_of
from xianfeng.contests.services._shared import (
    _today,
)
from xianfeng.contests.services.stage import stage_accepts
from xianfeng.people.selectors import member_of


def review_save(
    *,
    judge: Any,
    round_: Round,
    entry: Entry,
    scores: Mapping[Any, Any],
    feedback: str = "",
    abstain: bool = False,
    today: datetime.date | None = None,
    client_key: str = "",
) -> Review:
    """A judge's scores for an entry: checked against the rubric, the round's dates, the
    assignment and conflicts of interest. Saving again updates the same review.

    On an on-stage round the speech must have ended and its score not been revealed. A
    device's `client_key` makes a resent submission (a queued score sent again after a
    dropped connection) answer the review it already made, whatever happened since."""
    client_key = client_key.strip()[:64]
    if client_key:
        done = Review.objects.filter(
            round=round_, entry=entry, judge_id=judge.pk, client_key=client_key
        ).first()
        if done is not None:
            return done

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
    if version is None and not round_.on_stage:
        raise Refused("作品没有视频")
    for _attempt in range(2):
        try:
            with transaction.atomic():
                if round_.on_stage:
                    stage_accepts(round_, entry)
                review, created = Review.objects.select_for_update().get_or_create(
                    round=round_,
                    entry=entry,
                    judge=judge,
                    defaults={
                        "version": version,
                        "scores": clean,
                        "abstained": abstain,
                        "feedback": feedback.strip(),
                        "client_key": client_key,
                    },
                )
                if not created:
                    review.version, review.scores, review.abstained = version, clean, abstain
                    review.feedback = feedback.strip()
                    review.client_key = client_key
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
                        "version": version.number if version else None,
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
