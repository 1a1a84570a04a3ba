"""Writes of 微实事: propose, review, open a vote, cast and take back ballots, count, carry
out with a public progress log, comment (现场监督) and rate.

The vote is counted by the database: a ballot is a row under two unique constraints (one
per person and project; each of a person's K votes a numbered slot), cast under a lock on
the voter, so twenty clicks at once leave one ballot per project and at most K in a round.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common.errors import Refused
from xianfeng.common.parse import YEAR_MAX, YEAR_MIN
from xianfeng.common.transitions import transition
from xianfeng.community import rules
from xianfeng.community.enums import (
    PROJECT_MACHINE,
    PROJECT_PUBLIC_STATES,
    PROJECT_WORK_STATES,
    CivicNoticeKind,
    ProjectState,
)
from xianfeng.community.models import (
    Ballot,
    CivicProject,
    ProjectComment,
    ProjectRating,
    ProjectUpdate,
    VoteRound,
)
from xianfeng.community.services._common import (
    Upload,
    attach_photo,
    forget_files,
    optional_in,
    tell,
    text_in,
)
from xianfeng.community.services.wishes import (
    COMMUNITY_REGIONS,
    REPEAT_WINDOW,
    public_name_for,
    reviewers_for,
)
from xianfeng.moderation.services import text_check
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import User

MAX_COST_YUAN = 10_000_000


def _url(project: CivicProject) -> str:
    return reverse("community:project", args=[project.pk])


def _data(project: CivicProject) -> dict[str, Any]:
    return {"org_id": project.org_id, "round_id": project.round_id, "cost_yuan": project.cost_yuan}


def _community(org: Org) -> None:
    if org.region not in COMMUNITY_REGIONS or org.kind == OrgKind.GROUP:
        raise Refused("请选择项目所在的村或社区", field="org")


def _running_round(org: Org, now: datetime.datetime) -> VoteRound | None:
    """The community's vote that has not closed yet (open or about to open)."""
    return (
        VoteRound.objects.filter(org=org, closes_at__gt=now, counted_at__isnull=True)
        .order_by("opens_at", "id")
        .first()
    )


# --- proposing and review ---------------------------------------------------------------------


def project_propose(
    *,
    actor: User,
    org: Org,
    title: str,
    description: str,
    cost_yuan: int = 0,
    photo: Upload | None = None,
    now: datetime.datetime | None = None,
) -> CivicProject:
    """A community's branch proposes a 民生实事 (a candidate at once, in the running vote);
    a resident registered there proposes one for the branch to review first."""
    now = now or timezone.now()
    _community(org)
    officer = rules.manages(actor, org)
    if not officer and not rules.lives_in(actor, org):
        raise PermissionDenied("只有本村社区的居民、党员或支部可以提议微实事")
    title = text_in(title, field="title", label="项目名称", minimum=4, maximum=60)
    description = text_in(
        description, field="description", label="项目说明", minimum=10, maximum=1000
    )
    if not 0 <= cost_yuan <= MAX_COST_YUAN:
        raise Refused("估算费用应在 0 到 1000 万元之间", field="cost_yuan")
    words = text_check(f"{title}\n{description}")
    if officer and words:
        raise Refused(f"请先修改含有敏感词的内容：{'、'.join(words[:5])}", field="description")
    written: list[str] = []
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=actor.pk).first()
            repeat = CivicProject.objects.filter(
                proposed_by=actor, org=org, title=title, created_at__gte=now - REPEAT_WINDOW
            ).first()
            if repeat is not None:
                return repeat  # a double click, a resend
            project = CivicProject(
                org=org,
                title=title,
                description=description,
                cost_yuan=cost_yuan,
                proposed_by=actor,
                proposer_shown=org.name if officer else public_name_for(actor.name),
                flagged_words=words,
            )
            if officer:
                project.state = ProjectState.CANDIDATE
                project.round = _running_round(org, now)
            attach_photo(project, photo, written)
            project.save()
            events.publish(
                "civic_project.proposed",
                actor=actor,
                obj=project,
                org=org,
                data={**_data(project), "by_branch": officer},
            )
            if not officer:
                tell(
                    reviewers_for(org),
                    about=project,
                    org=org,
                    kind=CivicNoticeKind.REVIEW,
                    title=f"居民提议的微实事待审核：{title}",
                    body=org.name,
                    url=_url(project),
                    actor=actor,
                )
    except BaseException:
        forget_files(CivicProject, written)
        raise
    return project


def project_review(
    *,
    actor: User,
    project: CivicProject,
    approve: bool,
    note: str = "",
    now: datetime.datetime | None = None,
) -> CivicProject:
    """The branch puts a resident's proposal on the ballot, or declines it with a reason."""
    now = now or timezone.now()
    if not rules.manages(actor, project.org):
        raise PermissionDenied("只有本村社区的书记或支委可以审核微实事")
    note = optional_in(note, field="note", label="审核意见", maximum=200)
    if not approve and not note:
        raise Refused("请写明未通过的原因", field="note")
    with transaction.atomic():
        project = CivicProject.objects.select_for_update().get(pk=project.pk)
        if project.state != ProjectState.PENDING:
            raise Refused(f"该项目{project.get_state_display()}，无需再审核")
        if approve and text_check(f"{project.title}\n{project.description}"):
            raise Refused("项目含有敏感词，不能列为候选")
        fields: dict[str, Any] = {"review_note": note, "flagged_words": []}
        if approve:
            fields["round"] = _running_round(project.org, now)
        transition(
            project,
            PROJECT_MACHINE,
            ProjectState.CANDIDATE if approve else ProjectState.REJECTED,
            actor=actor,
            org=project.org,
            fields=fields,
            data=_data(project),
        )
        tell(
            [project.proposed_by_id],
            about=project,
            org=project.org,
            kind=CivicNoticeKind.PROGRESS,
            title=(
                f"您提议的微实事已列为候选：{project.title}"
                if approve
                else f"您提议的微实事未通过审核：{project.title}"
            ),
            body=note,
            url=_url(project),
            actor=actor,
        )
    return project


# --- the vote ---------------------------------------------------------------------------------


def round_open(
    *,
    actor: User,
    org: Org,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    votes_each: int = 3,
    winners: int = 3,
    budget_yuan: int = 0,
    show_live: bool = False,
) -> VoteRound:
    """The branch opens a voting window; its candidates without a vote join it."""
    _community(org)
    if not rules.manages(actor, org):
        raise PermissionDenied("只有本村社区的书记或支委可以发起投票")
    title = text_in(title, field="title", label="投票名称", minimum=4, maximum=60)
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        # A far-off year overflows on its way to UTC in the database.
        if not YEAR_MIN <= moment.year <= YEAR_MAX:
            raise Refused(f"时间应在 {YEAR_MIN} 年到 {YEAR_MAX} 年之间", field=name)
    if closes_at <= opens_at:
        raise Refused("投票截止时间应晚于开始时间", field="closes_at")
    if closes_at - opens_at > datetime.timedelta(days=60):
        raise Refused("投票时间不能超过 60 天", field="closes_at")
    if not 1 <= votes_each <= 10:
        raise Refused("每人票数应在 1 到 10 之间", field="votes_each")
    if not 1 <= winners <= 50:
        raise Refused("最多立项数应在 1 到 50 之间", field="winners")
    if not 0 <= budget_yuan <= MAX_COST_YUAN:
        raise Refused("预算应在 0 到 1000 万元之间", field="budget_yuan")
    with transaction.atomic():
        Org.objects.select_for_update().filter(pk=org.pk).first()
        clash = VoteRound.objects.filter(
            org=org, counted_at__isnull=True, opens_at__lt=closes_at, closes_at__gt=opens_at
        ).first()
        if clash is not None:
            raise Refused(f"本村社区已有进行中的投票“{clash.title}”，请等它结束后再发起")
        item = VoteRound.objects.create(
            org=org,
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            votes_each=votes_each,
            winners=winners,
            budget_yuan=budget_yuan,
            show_live=show_live,
            created_by=actor,
        )
        joined = CivicProject.objects.filter(
            org=org, state=ProjectState.CANDIDATE, round__isnull=True
        ).update(round=item)
        events.publish(
            "vote_round.opened",
            actor=actor,
            obj=item,
            org=org,
            data={"org_id": org.pk, "projects": joined, "closes_at": closes_at.isoformat()},
        )
    return item


def _vote_window(item: VoteRound, now: datetime.datetime) -> None:
    if now < item.opens_at:
        raise Refused(f"投票尚未开始，{timezone.localtime(item.opens_at):%m-%d %H:%M} 开始")
    if now >= item.closes_at or item.counted_at is not None:
        raise Refused("投票已截止")


def ballot_cast(
    *, actor: User, project: CivicProject, now: datetime.datetime | None = None
) -> Ballot:
    """Vote for a candidate: one ballot per project, at most the round's K in all; only
    people registered to the community vote. Voting again for the same project (a double
    click) returns the ballot already cast."""
    now = now or timezone.now()
    item = project.round
    if item is None or project.state != ProjectState.CANDIDATE:
        raise Refused("这个项目现在不在投票中")
    if not rules.lives_in(actor, project.org):
        raise PermissionDenied(f"只有登记在{project.org.name}的居民和党员可以投票")
    try:
        with transaction.atomic():
            # One vote at a time per person: the slots below are counted under this lock.
            User.objects.select_for_update().filter(pk=actor.pk).first()
            _vote_window(item, now)
            mine = dict(
                Ballot.objects.filter(round=item, voter=actor).values_list("project_id", "slot")
            )
            if project.pk in mine:
                return Ballot.objects.get(project=project, voter=actor)
            free = [s for s in range(1, item.votes_each + 1) if s not in mine.values()]
            if not free:
                raise Refused(f"您的 {item.votes_each} 票已经投完；可以先撤回一票再投给这个项目")
            ballot = Ballot.objects.create(round=item, project=project, voter=actor, slot=free[0])
    except IntegrityError as exc:
        # SQLite has no row lock: the constraints stopped a second ballot of a race.
        existing = Ballot.objects.filter(project=project, voter=actor).first()
        if existing is not None:
            return existing
        raise Refused(f"您的 {item.votes_each} 票已经投完") from exc
    return ballot


def ballot_withdraw(
    *, actor: User, project: CivicProject, now: datetime.datetime | None = None
) -> int:
    """Take a vote back while the window is open (to give it to another project)."""
    now = now or timezone.now()
    item = project.round
    if item is None:
        raise Refused("这个项目现在不在投票中")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        _vote_window(item, now)
        deleted, _ = Ballot.objects.filter(project=project, voter=actor).delete()
    return deleted


def round_count(
    *, item: VoteRound, actor: User | None = None, now: datetime.datetime | None = None
) -> list[CivicProject]:
    """After the window closes: the candidates ranked by votes (earlier proposal first on
    a tie); the top ones that fit the budget, up to the round's number, are approved, the
    others not selected. Counting twice changes nothing. Returns the approved projects."""
    now = now or timezone.now()
    if actor is not None and not rules.manages(actor, item.org):
        raise PermissionDenied("只有本村社区的书记或支委可以计票")
    if now < item.closes_at:
        raise Refused("投票尚未截止，截止后才能计票")
    approved: list[CivicProject] = []
    with transaction.atomic():
        item = VoteRound.objects.select_for_update().select_related("org").get(pk=item.pk)
        if item.counted_at is not None:
            return list(item.projects.filter(state=ProjectState.APPROVED))
        ranked = list(
            CivicProject.objects.select_for_update()
            .filter(round=item, state=ProjectState.CANDIDATE)
            .order_by("created_at", "id")
        )
        counts = dict(
            Ballot.objects.filter(round=item)
            .values("project_id")
            .annotate(n=Count("id"))
            .values_list("project_id", "n")
        )
        ranked.sort(key=lambda p: -counts.get(p.pk, 0))
        left = item.budget_yuan
        for place, project in enumerate(ranked, start=1):
            votes = counts.get(project.pk, 0)
            fits = not item.budget_yuan or project.cost_yuan <= left
            win = votes > 0 and fits and len(approved) < item.winners
            fields: dict[str, Any] = {"votes": votes, "rank": place}
            if win:
                fields["approved_at"] = now
                left -= project.cost_yuan
            transition(
                project,
                PROJECT_MACHINE,
                ProjectState.APPROVED if win else ProjectState.NOT_SELECTED,
                actor=actor,
                org=item.org,
                fields=fields,
                data={**_data(project), "votes": votes, "rank": place},
            )
            if win:
                approved.append(project)
            tell(
                [project.proposed_by_id],
                about=project,
                org=item.org,
                kind=CivicNoticeKind.PROGRESS,
                title=(
                    f"微实事已立项：{project.title}（{votes} 票）"
                    if win
                    else f"微实事未入选：{project.title}（{votes} 票）"
                ),
                body=item.title,
                url=_url(project),
                actor=actor,
            )
        item.counted_at = now
        item.save(update_fields=["counted_at"])
        events.publish(
            "vote_round.counted",
            actor=actor,
            obj=item,
            org=item.org,
            data={
                "org_id": item.org_id,
                "approved": [p.pk for p in approved],
                "ballots": sum(counts.values()),
            },
        )
    return approved


def rounds_count_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic job: count every vote whose window has closed."""
    now = now or timezone.now()
    due = list(VoteRound.objects.filter(counted_at__isnull=True, closes_at__lte=now)[:200])
    for item in due:
        round_count(item=item, now=now)
    return len(due)


# --- carrying out, in public ------------------------------------------------------------------


def project_progress(
    *,
    actor: User,
    project: CivicProject,
    note: str,
    state: str = "",
    photo: Upload | None = None,
    now: datetime.datetime | None = None,
) -> ProjectUpdate:
    """A dated entry of the public progress log, with a photo; it may move the project on
    (立项 → 实施中 → 已完成). Those who voted for it and its proposer are told."""
    now = now or timezone.now()
    if not rules.manages(actor, project.org):
        raise PermissionDenied("只有本村社区的书记或支委可以更新项目进展")
    note = text_in(note, field="note", label="进展说明", minimum=4, maximum=500)
    if state and state not in (ProjectState.IN_PROGRESS, ProjectState.DONE):
        raise Refused("请选择“实施中”或“已完成”", field="state")
    written: list[str] = []
    try:
        with transaction.atomic():
            project = CivicProject.objects.select_for_update().get(pk=project.pk)
            if project.state not in PROJECT_WORK_STATES:
                raise Refused(f"该项目{project.get_state_display()}，不能再更新进展")
            if state and state != project.state:
                fields = {"done_at": now} if state == ProjectState.DONE else {}
                transition(
                    project, PROJECT_MACHINE, state, actor=actor, org=project.org,
                    fields=fields, data=_data(project),
                )  # fmt: skip
            update = ProjectUpdate(project=project, author=actor, state=project.state, note=note)
            attach_photo(update, photo, written)
            update.save()
            voters = Ballot.objects.filter(project=project).values_list("voter_id", flat=True)
            tell(
                [project.proposed_by_id, *voters],
                about=project,
                org=project.org,
                kind=CivicNoticeKind.PROGRESS,
                title=f"微实事有新进展：{project.title}（{project.get_state_display()}）",
                body=note,
                url=_url(project),
                actor=actor,
            )
    except BaseException:
        forget_files(ProjectUpdate, written)
        raise
    return update


def project_comment(
    *, actor: User, project: CivicProject, text: str, now: datetime.datetime | None = None
) -> ProjectComment:
    """A signed-in person's word on a public project (现场监督), under a masked name."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if project.state not in PROJECT_PUBLIC_STATES:
        raise Refused("这个项目还没有公开，不能留言")
    text = text_in(text, field="text", label="留言", minimum=2, maximum=300)
    words = text_check(text)
    if words:
        raise Refused(f"留言含有不宜公开的词语：{'、'.join(words[:5])}", field="text")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        repeat = ProjectComment.objects.filter(
            project=project, author=actor, text=text, created_at__gte=now - REPEAT_WINDOW
        ).first()
        if repeat is not None:
            return repeat
        return ProjectComment.objects.create(
            project=project, author=actor, shown_name=public_name_for(actor.name), text=text
        )


def project_rate(*, actor: User, project: CivicProject, score: int) -> ProjectRating:
    """A resident of the community rates a finished project (once; a second rating
    replaces the first)."""
    if project.state != ProjectState.DONE:
        raise Refused("项目完成后才能评价")
    if not rules.lives_in(actor, project.org):
        raise PermissionDenied(f"只有登记在{project.org.name}的居民和党员可以评价")
    if score not in (1, 2, 3, 4, 5):
        raise Refused("请选择 1 到 5 星", field="score")
    for _attempt in range(2):
        try:
            with transaction.atomic():
                rating, _ = ProjectRating.objects.update_or_create(
                    project=project, user=actor, defaults={"score": score}
                )
                return rating
        except IntegrityError:
            continue  # two first ratings raced: the second now updates the first
    raise Refused("评价没有保存，请再试一次")
