"""Reads of contests that decide who sees what: contests, entries, the judge's queue and
the ranking (which never shows an entrant an unpublished decision)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.contests.enums import (
    TRIM_MIN_JUDGES,
    Aggregation,
    Decision,
    RoundState,
    StageState,
)
from xianfeng.contests.models import (
    Contest,
    Criterion,
    Entry,
    Review,
    Round,
    RoundJudge,
    StageSlot,
    Standing,
    Vote,
)
from xianfeng.contests.rules import DECIDER_ROLES, ORGANISER_ROLES, can_organise, has_conflict
from xianfeng.contests.scoring import CriterionSpec, EntryScore, ReviewRow, rank_entries
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import roles_of, scope_q
from xianfeng.people.selectors import member_of


def _reach_paths(user: Any) -> list[str]:
    """The paths of the person's own orgs: the member org and the orgs of roles that reach
    records (a judge sees the contests they judge through the rounds, not through reach)."""
    found: list[str] = []
    member = member_of(user)
    if member is not None:
        found.append(member.org.path)
    found.extend(role.org.path for role in roles_of(user) if role.kind in RECORD_ROLES)
    return found


def contests_visible_to(user: Any) -> QuerySet[Contest]:
    """Contests whose scope reaches the person, those they organise, those they judge."""
    if not getattr(user, "is_authenticated", False):
        return Contest.objects.none()
    if user.is_superuser:
        return Contest.objects.all()
    reach = _reach_paths(user)
    ancestors = sorted({p for path in reach for p in paths.ancestor_paths(path)})
    where = Q(org__path__in=ancestors) | Q(extra_orgs__path__in=ancestors)
    where |= scope_q(user, ORGANISER_ROLES, field="org__path")
    where |= Q(rounds__judges__user_id=user.pk)
    return Contest.objects.filter(where).distinct()


def get_contest_for_user(user: Any, pk: int) -> Contest:
    contest = contests_visible_to(user).select_related("org").filter(pk=pk).first()
    if contest is None:
        raise Http404("找不到该竞赛")
    return contest


def in_scope(contest: Contest, org: Org) -> bool:
    """Whether an org's lessons may enter: inside the organiser's subtree or an invited one."""
    if org.path.startswith(contest.org.path):
        return True
    return contest.extra_orgs.filter(path__in=paths.ancestor_paths(org.path)).exists()


def rounds_of(contest: Contest) -> list[Round]:
    return list(contest.rounds.order_by("number"))


def current_round(contest: Contest) -> Round | None:
    return contest.rounds.filter(state=RoundState.OPEN).order_by("number").first()


@dataclass(frozen=True)
class EntrantView:
    entry: Entry
    # (round, decision shown to the entrant): "评审中" until the round is published.
    results: list[tuple[Round, str]]


def my_entries(user: Any, contest: Contest) -> list[EntrantView]:
    """The person's own entries with what they may know of each round."""
    entries = list(
        Entry.objects.filter(contest=contest)
        .filter(Q(lesson__author_id=user.pk) | Q(lesson__speaker__user_id=user.pk))
        .select_related("lesson", "org")
        .order_by("code")
    )
    standings = (
        Standing.objects.filter(entry__in=entries).select_related("round").order_by("round__number")
    )
    by_entry: dict[int, list[tuple[Round, str]]] = {}
    for s in standings:
        shown = s.get_decision_display() if s.round.state == RoundState.PUBLISHED else "评审中"
        by_entry.setdefault(s.entry_id, []).append((s.round, shown))
    return [EntrantView(e, by_entry.get(e.pk, [])) for e in entries]


def standings_to_decide(user: Any, round_: Round) -> QuerySet[Standing]:
    """The entries of a round that the person decides (as secretary or admin of the deciding
    org), with what the decision page shows."""

    return (
        Standing.objects.filter(round=round_)
        .filter(scope_q(user, DECIDER_ROLES, field="decider__path"))
        .select_related("entry__lesson", "entry__org", "decider")
        .order_by("decider__path", "entry__code")
    )


def quota_used(round_: Round, decider: Org) -> int:
    return Standing.objects.filter(
        round=round_, decider=decider, decision=Decision.ADVANCED
    ).count()


def judge_of(user: Any, round_: Round) -> RoundJudge | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return RoundJudge.objects.filter(round=round_, user_id=user.pk).first()


@dataclass
class QueueItem:
    entry: Entry
    reviews: int
    mine: Review | None


def judge_queue(user: Any, round_: Round) -> list[QueueItem]:
    """The entries a judge may score in a round (assigned, no conflict of interest), fewest
    reviews first, with the judge's own review if any. A fixed number of queries."""
    judge = judge_of(user, round_)
    if judge is None:
        return []
    entries = Entry.objects.filter(standings__round=round_).select_related("lesson__speaker", "org")
    if not judge.all_entries:
        entries = entries.filter(pk__in=judge.entries.values("pk"))
    entries = entries.annotate(
        n_reviews=Count("reviews", filter=Q(reviews__round=round_, reviews__abstained=False))
    )
    member = member_of(user)
    judge_org = member.org if member is not None else None
    mine = {r.entry_id: r for r in Review.objects.filter(round=round_, judge_id=user.pk)}
    items = [
        QueueItem(entry=e, reviews=e.n_reviews, mine=mine.get(e.pk))
        for e in entries
        if not has_conflict(user, e, judge_org)
    ]
    items.sort(key=lambda i: (i.mine is not None, i.reviews, i.entry.code))
    return items


def queue_entry_for_judge(user: Any, round_: Round, entry_id: int) -> Entry:
    """An entry the judge may open; 404 for a conflict or an entry not assigned."""
    for item in judge_queue(user, round_):
        if item.entry.pk == entry_id:
            return item.entry
    raise Http404("找不到该作品")


def criteria_specs(round_: Round) -> list[CriterionSpec]:
    return [
        CriterionSpec(
            id=c.pk, weight=c.weight, max_score=c.max_score, counted=c.counted, required=c.required
        )
        for c in Criterion.objects.filter(round=round_).order_by("order", "id")
    ]


def get_round(contest: Contest, number: int | None) -> Round:
    """A round of a contest the person already may see; 404 for a number it does not have."""
    round_ = contest.rounds.filter(number=number).first() if number is not None else None
    if round_ is None:
        raise Http404("找不到该轮次")
    return round_


@dataclass(frozen=True)
class RankingPage:
    """What the ranking page and the ranking endpoint show, permission checked once."""

    contest: Contest
    round: Round
    rows: list[tuple[EntryScore, Entry]]
    organiser: bool


def ranking_page(user: Any, contest_id: int, number: int) -> RankingPage:
    """A round's ranking for its organiser, and for everyone who sees the contest once the
    round is published; before that it does not exist for them (404, page and API alike:
    an unpublished ranking must not even be confirmed)."""
    contest = get_contest_for_user(user, contest_id)
    round_ = get_round(contest, number)
    organiser = can_organise(user, contest)
    if not organiser and round_.state != RoundState.PUBLISHED:
        raise Http404("结果尚未公布")
    scores = round_ranking(round_)
    entries = Entry.objects.filter(pk__in=[s.entry_id for s in scores]).select_related(
        "lesson", "org"
    )
    by_id = {e.pk: e for e in entries}
    return RankingPage(contest, round_, [(s, by_id[s.entry_id]) for s in scores], organiser)


def round_ranking(round_: Round) -> list[EntryScore]:
    """The round's ranking, computed from the stored scores with the current weights: four
    queries whatever the number of entries and judges."""
    entries = list(
        Entry.objects.filter(standings__round=round_)
        .order_by("created_at", "id")
        .values_list("id", "code")
    )
    triples = [(eid, code, order) for order, (eid, code) in enumerate(entries)]
    reviews = [
        ReviewRow(entry_id=eid, scores=scores, abstained=abstained)
        for eid, scores, abstained in Review.objects.filter(round=round_).values_list(
            "entry_id", "scores", "abstained"
        )
    ]
    votes: dict[int, int] = {}
    if round_.vote_share:
        votes = dict(
            Vote.objects.filter(round=round_)
            .values("entry_id")
            .annotate(n=Count("id"))
            .values_list("entry_id", "n")
        )
    return rank_entries(
        triples,
        reviews,
        criteria_specs(round_),
        method=round_.aggregation,
        vote_share=round_.vote_share,
        votes=votes,
    )


def entries_in_scope_q(contest: Contest) -> Q:
    roots = [contest.org.path, *contest.extra_orgs.values_list("path", flat=True)]
    return subtree_q(roots, field="org__path")


# --- on-stage rounds --------------------------------------------------------------------


def get_stage_round(user: Any, contest_id: int, number: int) -> tuple[Contest, Round]:
    """An on-stage round of a contest the person sees; 404 for any other round."""
    contest = get_contest_for_user(user, contest_id)
    round_ = get_round(contest, number)
    if not round_.on_stage:
        raise Http404("本轮不是现场比赛")
    return contest, round_


def get_stage_slot(round_: Round, entry_id: int | None) -> StageSlot:
    slot = (
        StageSlot.objects.filter(round=round_, entry_id=entry_id)
        .select_related("round__contest", "entry__lesson")
        .first()
        if entry_id is not None
        else None
    )
    if slot is None:
        raise Http404("找不到该选手")
    return slot


def _trimmed_out(totals: list[str], method: str) -> list[int]:
    """Which of the judges' totals the round's aggregation dropped (highest and lowest of a
    trimmed mean with enough judges): their indexes, so the screen can strike them."""
    if method != Aggregation.TRIMMED or len(totals) < TRIM_MIN_JUDGES:
        return []
    values = [Decimal(t) for t in totals]
    low = values.index(min(values))
    high = max((i for i in range(len(values)) if i != low), key=lambda i: values[i])
    return sorted({low, high})


def stage_state(user: Any, contest: Contest, round_: Round) -> dict[str, Any]:
    """What the host, the judges and the big screen show of an on-stage round, in one
    shape (the pages render it and then poll it through the API): the order of speakers,
    the speech running, revealed scores with their rank among the revealed ones, the
    judges' totals when the contest shows them. Nothing of an unrevealed score leaves the
    server; the organiser also sees how many judges have submitted, a judge which of
    their own scores arrived. A fixed number of queries."""
    slots = list(
        StageSlot.objects.filter(round=round_)
        .select_related("entry__lesson", "entry__org")
        .order_by("position")
    )
    revealed = [s for s in slots if s.state == StageState.REVEALED]
    ranks: dict[int, int] = {}
    if revealed:
        ids = {s.entry_id for s in revealed}
        rows = [
            ReviewRow(entry_id=eid, scores=scores, abstained=abstained)
            for eid, scores, abstained in Review.objects.filter(
                round=round_, entry_id__in=ids
            ).values_list("entry_id", "scores", "abstained")
        ]
        order = {s.entry_id: i for i, s in enumerate(sorted(revealed, key=lambda s: s.entry_id))}
        ranked = rank_entries(
            [(s.entry_id, s.entry.code, order[s.entry_id]) for s in revealed],
            rows,
            criteria_specs(round_),
            method=round_.aggregation,
        )
        ranks = {r.entry_id: r.rank for r in ranked}
    organiser = can_organise(user, contest)
    judge = judge_of(user, round_)
    counts: dict[int, int] = {}
    if organiser:
        counts = dict(
            Review.objects.filter(round=round_)
            .values("entry_id")
            .annotate(n=Count("id"))
            .values_list("entry_id", "n")
        )
    mine: dict[int, str] = {}
    if judge is not None:
        mine = dict(
            Review.objects.filter(round=round_, judge_id=user.pk).values_list(
                "entry_id", "client_key"
            )
        )
    now = timezone.now()
    out: list[dict[str, Any]] = []
    for slot in slots:
        lesson = slot.entry.lesson
        item: dict[str, Any] = {
            "entry_id": slot.entry_id,
            "position": slot.position,
            "code": slot.entry.code,
            "speaker": lesson.speaker_name,
            "org": slot.entry.org.name,
            "topic": lesson.title,
            "state": slot.state,
            "state_label": slot.get_state_display(),
            "started_at": slot.started_at.isoformat() if slot.started_at else None,
            "ended_at": slot.ended_at.isoformat() if slot.ended_at else None,
            "score": None,
            "rank": None,
            "judge_totals": [],
            "dropped": [],
        }
        if slot.state == StageState.REVEALED:
            item["score"] = str(slot.score) if slot.score is not None else None
            item["rank"] = ranks.get(slot.entry_id)
            if round_.show_judge_scores:
                item["judge_totals"] = list(slot.judge_totals)
                item["dropped"] = _trimmed_out(list(slot.judge_totals), round_.aggregation)
        if organiser:
            item["submitted"] = counts.get(slot.entry_id, 0)
        if judge is not None:
            item["mine"] = slot.entry_id in mine
            item["my_key"] = mine.get(slot.entry_id, "")
        out.append(item)
    current = next((i for i in out if i["state"] == StageState.SPEAKING), None)
    if current is None:
        current = next((i for i in out if i["state"] == StageState.SCORING), None)
    return {
        "round": round_.number,
        "name": round_.name,
        "contest": contest.title,
        "now": now.isoformat(),
        "warn_seconds": round_.warn_seconds,
        "stop_seconds": round_.stop_seconds,
        "aggregation": round_.get_aggregation_display(),
        "show_judge_scores": round_.show_judge_scores,
        "judges": round_.judges.count() if organiser else None,
        "current": current["entry_id"] if current else None,
        "slots": out,
    }
