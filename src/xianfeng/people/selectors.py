"""Reads of people that decide who may see whom."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from xianfeng.common import indicators
from xianfeng.common.memo import MISSING, VersionedMemo, identity_version
from xianfeng.orgs import paths
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES, ROSTER_VIEW_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import roles_of, scope_q
from xianfeng.people.auth import find_user
from xianfeng.people.enums import ApplicantStage, MemberStatus
from xianfeng.people.idcard import ID_RE, PHONE_RE
from xianfeng.people.models import (
    Applicant,
    Member,
    MemberPeriod,
    PasswordLink,
    RosterImport,
    StatusChange,
    User,
)
from xianfeng.people.normalize import clean_compact, clean_text
from xianfeng.people.services.accounts import key_digest

# Member records by (user id, access version), between requests (common/memo.py).
_member_memo = VersionedMemo()


def member_of(user: Any) -> Member | None:
    """The person's member record with its org, cached on the user for the request and,
    for the signed-in person, in the process under their access version."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_xf_member"):
        version = identity_version(user)
        found = MISSING if version is None else _member_memo.get(user.pk, version)
        if found is MISSING:
            found = Member.objects.select_related("org").filter(user_id=user.pk).first()
            if version is not None:
                _member_memo.put(user.pk, version, found)
        user._xf_member = found
    member: Member | None = user._xf_member
    return member


def is_resident(user: Any) -> bool:
    """A logged-in 群众: no member record and no role anywhere. 三会一课, contests and
    recording lessons mean nothing to them (their pages show none of it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return False
    # Roles first: the navigation has loaded them already for the roster entry.
    return not roles_of(user) and member_of(user) is None


# --- counting over time ----------------------------------------------------------------------


def _org_q(org: Org | int, field: str, subtree: bool) -> Q:
    if isinstance(org, int):
        return Q(**{f"{field}_id": org})
    if subtree:
        return Q(**{f"{field}__path__gte": org.path, f"{field}__path__lt": org.upper_path})
    return Q(**{f"{field}_id": org.pk})


def on_roll_q(day: datetime.date) -> Q:
    """Members on the roll on `day`: joined by then (when known) and not yet left
    (停止党籍, 出党, 去世 count from their date on)."""
    return (Q(joined_on__isnull=True) | Q(joined_on__lte=day)) & (
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )


def full_on_q(day: datetime.date) -> Q:
    """Full members (正式党员) on `day`: confirmed by then; a full member whose 转正 date is
    not on the registry counts as full."""
    return Q(confirmed_on__lte=day) | Q(confirmed_on__isnull=True, status=MemberStatus.FULL)


def members_on(org: Org | int, day: datetime.date, *, subtree: bool = False) -> QuerySet[Member]:
    """Everyone who belonged to `org` (an Org or its id; with `subtree`, any org below
    it) on `day` and was on the roll then: the current members who were there by that day,
    and those whose closed period there covers it. One query."""
    current = _org_q(org, "org", subtree) & (Q(org_since__isnull=True) | Q(org_since__lte=day))
    past = MemberPeriod.objects.filter(
        _org_q(org, "org", subtree),
        Q(started_on__isnull=True) | Q(started_on__lte=day),
        ended_on__gt=day,
    ).values("member_id")
    return Member.objects.filter(current | Q(pk__in=past)).filter(on_roll_q(day))


def full_members_on(
    org: Org | int, day: datetime.date, *, subtree: bool = False
) -> QuerySet[Member]:
    return members_on(org, day, subtree=subtree).filter(full_on_q(day))


@dataclass(frozen=True)
class Stretch:
    """A stretch of a member at an org: [since, until); None for since: before the
    records, None for until: still there."""

    org_id: int
    since: datetime.date | None
    until: datetime.date | None


def stretches_of(
    members: QuerySet[Any] | Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, list[Stretch]]:
    """Member id → their stretches that overlap [start, end] (the current one and closed
    ones), oldest first. `members` is ids or a query of ids. Two queries."""
    found: dict[int, list[Stretch]] = defaultdict(list)
    for member_id, org_id, since in Member.objects.filter(
        Q(org_since__isnull=True) | Q(org_since__lte=end), pk__in=members
    ).values_list("pk", "org_id", "org_since"):
        found[member_id].append(Stretch(org_id, since, None))
    for member_id, org_id, since, until in MemberPeriod.objects.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=end), member_id__in=members,
        ended_on__gt=start,
    ).values_list("member_id", "org_id", "started_on", "ended_on"):  # fmt: skip
        found[member_id].append(Stretch(org_id, since, until))
    for stretches in found.values():
        stretches.sort(key=lambda s: s.since or datetime.date.min)
    return dict(found)


def org_in(stretches: Iterable[Stretch], start: datetime.date, end: datetime.date) -> int | None:
    """The org a member counts at for [start, end]: the one they belonged to when it began,
    or, arriving within it, the first they belonged to in it (so a member transferred
    mid-month counts for the sending branch that month, for the new one from the next).
    None when no stretch overlaps it."""
    best: tuple[datetime.date, int] | None = None
    for s in stretches:
        if s.since is not None and s.since > end:
            continue
        if s.until is not None and s.until <= start:
            continue
        key = s.since or datetime.date.min
        if best is None or key < best[0]:
            best = (key, s.org_id)
    return None if best is None else best[1]


def orgs_of_members_in(
    members: QuerySet[Any] | Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Member id → the org they belonged to when [start, end] began, or, arriving within
    it, the first org they belonged to in it: a member transferred mid-month counts for the
    sending branch that month (it collects up to the month of the transfer), for the new
    one from the next. Members who belonged nowhere in it (a gap after 停止党籍) are absent.
    `members` is ids or a query of ids. Two queries."""
    found: dict[int, int] = {}
    for member_id, stretches in stretches_of(members, start, end).items():
        org_id = org_in(stretches, start, end)
        if org_id is not None:
            found[member_id] = org_id
    return found


def org_of_member_on(member: Member, day: datetime.date) -> int | None:
    """The org `member` belonged to on `day`: their current org from org_since on, else the
    closed stretch that covers it (one query, only for a day before org_since); None before
    the records (or in a gap) show them anywhere. Points earned on a day count there."""
    if member.org_since is None or member.org_since <= day:
        return member.org_id
    return (
        MemberPeriod.objects.filter(
            Q(started_on__isnull=True) | Q(started_on__lte=day), member=member, ended_on__gt=day
        )
        .order_by("-ended_on")
        .values_list("org_id", flat=True)
        .first()
    )


def on_roll_between_q(start: datetime.date, end: datetime.date, prefix: str = "") -> Q:
    """Members on the roll on some day of [start, end]: joined by its end (when known) and
    not gone before its start. `prefix` ("member__") reaches them from a related row."""
    return (Q(**{f"{prefix}joined_on__isnull": True}) | Q(**{f"{prefix}joined_on__lte": end})) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": start})
    )


def member_orgs_in(start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Every member with an active account on the roll in [start, end] → the org they count
    at for it (the rule of org_in): whom a period's per-member figures (参学率, 阅读率, 人均积分)
    count and where, so a later transfer does not move last month's figures. Two queries,
    each a plain scan (no list of ids sent back): a county's 50,000 members in one pass.
    Within a recompute the indicators that start from it share one read."""
    made = indicators.shared(("people.member_orgs_in", start, end), lambda: _orgs_in(start, end))
    return dict(made)


def _orgs_in(start: datetime.date, end: datetime.date) -> dict[int, int]:
    found: dict[int, tuple[datetime.date, int]] = {}
    for pk, org_id, since in Member.objects.filter(
        Q(org_since__isnull=True) | Q(org_since__lte=end),
        on_roll_between_q(start, end),
        user__is_active=True,
    ).values_list("pk", "org_id", "org_since"):
        found[pk] = (since or datetime.date.min, org_id)
    for member_id, org_id, since in MemberPeriod.objects.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=end),
        on_roll_between_q(start, end, prefix="member__"),
        ended_on__gt=start,
        member__user__is_active=True,
    ).values_list("member_id", "org_id", "started_on"):
        key = since or datetime.date.min
        if member_id not in found or key < found[member_id][0]:
            found[member_id] = (key, org_id)
    return {member_id: org_id for member_id, (_, org_id) in found.items()}


def member_counts_in(orgs: dict[int, int]) -> dict[int, int]:
    """Org id → how many members count there, from member_orgs_in's answer."""
    return dict(Counter(orgs.values()))


def stretches_at(
    org_ids: QuerySet[Any, Any] | Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, list[Stretch]]:
    """The members on the roll in [start, end] who belonged to one of `org_ids` at some
    time in it → all their stretches in it (those at other orgs too, so that org_in can
    say where each part of it counts). `org_ids` may be a query of ids. Two queries."""
    ids: Any = org_ids if isinstance(org_ids, QuerySet) else list(org_ids)
    past = MemberPeriod.objects.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=end), org_id__in=ids, ended_on__gt=start
    ).values("member_id")
    candidates = Member.objects.filter(
        Q(org_id__in=ids) & (Q(org_since__isnull=True) | Q(org_since__lte=end)) | Q(pk__in=past),
        on_roll_between_q(start, end),
    ).values("pk")
    return stretches_of(candidates, start, end)


def members_of_orgs_in(
    org_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Member id → org, for the members on the roll in [start, end] who count at one of
    `org_ids` for it (orgs_of_members_in): a branch's ledger for a month lists those who
    belonged to it then, not today's roster. Two queries."""
    wanted = set(org_ids)
    found: dict[int, int] = {}
    for member_id, stretches in stretches_at(wanted, start, end).items():
        org_id = org_in(stretches, start, end)
        if org_id in wanted:
            found[member_id] = org_id
    return found


@dataclass(frozen=True)
class RollRow:
    """A member who counts in an org's subtree for a period, as a records page lists them."""

    member_id: int
    user_id: int
    name: str
    org_id: int
    org_name: str


def roll_in(org: Org, start: datetime.date, end: datetime.date) -> list[RollRow]:
    """The members the per-member indicators (参学率, 阅读率, 人均积分) count in `org`'s subtree
    for [start, end]: on the roll with an active account, each at the branch they counted at
    then (member_orgs_in's rule); by branch, then name. Four queries."""
    orgs = {
        pk: (path, name)
        for pk, path, name in Org.objects.filter(
            path__gte=org.path, path__lt=org.upper_path
        ).values_list("pk", "path", "name")
    }
    found = members_of_orgs_in(orgs, start, end)
    rows = [
        RollRow(pk, user_id, name, found[pk], orgs[found[pk]][1])
        for pk, user_id, name in Member.objects.filter(
            pk__in=list(found), user__is_active=True
        ).values_list("pk", "user_id", "user__name")
    ]
    rows.sort(key=lambda r: (orgs[r.org_id][0], r.name, r.member_id))
    return rows


@dataclass(frozen=True)
class HistoryLine:
    """One line of a member's history: a stretch at an org, or a 党籍变动."""

    on: datetime.date | None
    text: str
    detail: str = ""


def member_history(member: Member) -> list[HistoryLine]:
    """The member's orgs with their dates and status changes, oldest first (two queries)."""
    lines: list[HistoryLine] = []
    for period in MemberPeriod.objects.filter(member=member).select_related("org"):
        start = f"{period.started_on:%Y-%m-%d}" if period.started_on else "建档前"
        lines.append(
            HistoryLine(
                period.started_on,
                f"在{period.org.name}（{start} 至 {period.ended_on:%Y-%m-%d}）",
                period.reason,
            )
        )
    since = f"{member.org_since:%Y-%m-%d}" if member.org_since else "建档前"
    until = f"{member.left_on:%Y-%m-%d}" if member.left_on else "今"
    lines.append(HistoryLine(member.org_since, f"在{member.org.name}（{since} 至 {until}）"))
    for change in StatusChange.objects.filter(member=member):
        parts = []
        if change.meeting_on:
            parts.append(f"支部大会 {change.meeting_on:%Y-%m-%d}")
        if change.approved_on:
            parts.append(f"上级批准 {change.approved_on:%Y-%m-%d}")
        if change.new_end:
            parts.append(f"预备期延长至 {change.new_end:%Y-%m-%d}")
        parts += [p for p in (change.decision, change.reason) if p]
        lines.append(
            HistoryLine(
                change.effective_on,
                f"{change.get_kind_display()}（{change.get_from_status_display()} → "
                f"{change.get_to_status_display()}）",
                "；".join(parts),
            )
        )
    lines.sort(key=lambda line: line.on or datetime.date.min)
    return lines


def members_visible_to(user: Any) -> QuerySet[Member]:
    """Members in the subtrees where the person holds a roster role, plus their own record."""
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    where = scope_q(user, ROSTER_VIEW_ROLES, field="org__path") | Q(user_id=user.pk)
    return Member.objects.filter(where)


def get_member_for_user(user: Any, pk: int) -> Member:
    """The member with `pk` if the person may see it; 404 otherwise."""
    member = (
        members_visible_to(user)
        .select_related("user", "org", "group", "import_batch")
        .filter(pk=pk)
        .first()
    )
    if member is None:
        raise Http404("找不到该党员")
    return member


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    org: Org | None = None
    status: str = ""
    gender: str = ""
    education: str = ""
    mobile: str = ""  # "1" mobile only, "0" not mobile, "" either


def member_search(base: QuerySet[Member], filters: MemberFilters) -> QuerySet[Member]:
    """Apply the member-list filters. Phone and ID numbers match only whole, so a masked
    viewer cannot recover a number digit by digit."""
    qs = base
    if filters.org is not None:
        qs = qs.filter(
            org__path__gte=filters.org.path, org__path__lt=paths.upper_bound(filters.org.path)
        )
    if filters.q:
        text = clean_text(filters.q)
        compact = clean_compact(filters.q).upper()
        if PHONE_RE.match(compact):
            qs = qs.filter(user__phone=compact)
        elif ID_RE.match(compact):
            qs = qs.filter(id_number=compact)
        else:
            qs = qs.filter(user__name__contains=text.replace(" ", ""))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.gender:
        qs = qs.filter(gender=filters.gender)
    if filters.education:
        qs = qs.filter(education=filters.education)
    if filters.mobile in ("0", "1"):
        qs = qs.filter(is_mobile=filters.mobile == "1")
    return qs


def member_list(user: Any, filters: MemberFilters) -> QuerySet[Member]:
    """The member list page: visible members, filtered, with what each row shows."""
    return (
        member_search(members_visible_to(user), filters)
        .select_related("user", "org", "group")
        .order_by("org__path", "user__name", "pk")
    )


def roster_imports_visible_to(user: Any) -> QuerySet[RosterImport]:
    if not getattr(user, "is_authenticated", False):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(scope_q(user, ROSTER_MANAGE_ROLES, field="org__path"))


def get_roster_import_for_user(user: Any, pk: int) -> RosterImport:
    batch = (
        roster_imports_visible_to(user).select_related("org", "created_by").filter(pk=pk).first()
    )
    if batch is None:
        raise Http404("找不到该导入记录")
    return batch


def user_by_login(identifier: str) -> User | None:

    return find_user(identifier)


def get_password_link(key: str) -> PasswordLink:
    """The set-password link with this raw key (usable or not); 404 when there is none."""

    link = PasswordLink.objects.select_related("user").filter(key_hash=key_digest(key)).first()
    if link is None:
        raise Http404("链接无效，请核对后重试")
    return link


def branch_roll(branch: Org) -> QuerySet[Member]:
    """The branch's members on the roll today, with what the group page shows."""
    return (
        Member.objects.filter(org=branch, left_on__isnull=True)
        .select_related("user")
        .order_by("user__name", "pk")
    )


# --- 发展党员 ----------------------------------------------------------------------------------


def applicants_visible_to(user: Any) -> QuerySet[Applicant]:
    """The pipeline of the branches in the person's roster reach."""
    if not getattr(user, "is_authenticated", False):
        return Applicant.objects.none()
    return Applicant.objects.filter(scope_q(user, ROSTER_VIEW_ROLES, field="org__path"))


def get_applicant_for_user(user: Any, pk: int) -> Applicant:
    applicant = applicants_visible_to(user).select_related("org", "member").filter(pk=pk).first()
    if applicant is None:
        raise Http404("找不到该发展党员记录")
    return applicant


@dataclass(frozen=True)
class DueStep:
    """What a person in the pipeline needs next, and by when."""

    applicant: Applicant
    step: str
    label: str
    due_on: datetime.date | None  # the deadline, or the earliest day it may be done
    overdue: bool = False


def _due(applicant: Applicant, last_note: datetime.date | None, today: datetime.date) -> DueStep:
    from xianfeng.people.services import pipeline as rules

    stage = applicant.stage
    if stage == ApplicantStage.APPLIED:
        if applicant.talked_on is None:
            due = applicant.applied_on + datetime.timedelta(days=rules.TALK_WITHIN_DAYS)
            return DueStep(applicant, "talk", "派人谈话", due, today > due)
        return DueStep(applicant, "activist", "确定为入党积极分子", None)
    if stage in (ApplicantStage.ACTIVIST, ApplicantStage.CANDIDATE):
        since = last_note or applicant.activist_on or applicant.applied_on
        note_due = since + datetime.timedelta(days=rules.NOTE_EVERY_DAYS)
        if today > note_due:
            return DueStep(applicant, "note", "记录季度培养考察", note_due, True)
    if stage == ApplicantStage.ACTIVIST:
        return DueStep(
            applicant, "candidate", "列为发展对象（最早）", rules.candidate_earliest(applicant)
        )
    if stage == ApplicantStage.CANDIDATE:
        for value, step, label in (
            (applicant.reviewed_on, "review", "政治审查"),
            (applicant.training_on, "training", "集中培训"),
            (applicant.publicity_to, "publicity", "公示"),
        ):
            if value is None:
                return DueStep(applicant, step, label, None)
        return DueStep(
            applicant,
            "meeting",
            "支部大会讨论（公示结束后）",
            applicant.publicity_to + datetime.timedelta(days=1) if applicant.publicity_to else None,
        )
    return DueStep(applicant, "", "", None)


def applicants_due(
    *, today: datetime.date, base: QuerySet[Applicant] | None = None
) -> list[DueStep]:
    """Everyone still in the pipeline with their next step (one query)."""
    qs = (base if base is not None else Applicant.objects.all()).filter(
        stage__in=[ApplicantStage.APPLIED, ApplicantStage.ACTIVIST, ApplicantStage.CANDIDATE]
    )
    rows = (
        qs.select_related("org")
        .annotate(last_note=Max("notes__on"))
        .order_by("org__path", "applied_on", "pk")
    )
    return [_due(a, a.last_note, today) for a in rows]


def pipeline_list(user: Any, *, org: Org | None, today: datetime.date) -> list[DueStep]:
    base = applicants_visible_to(user)
    if org is not None:
        base = base.filter(org__path__gte=org.path, org__path__lt=org.upper_path)
    return applicants_due(today=today, base=base)


def branch_managers(org_id: int) -> list[int]:
    from xianfeng.orgs.models import Role

    return sorted(
        set(
            Role.objects.filter(org_id=org_id, kind__in=ROSTER_MANAGE_ROLES).values_list(
                "user_id", flat=True
            )
        )
    )
