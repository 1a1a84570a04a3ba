"""Compliance with the 三会一课 rules, per branch, kind and period.

How it is counted (README, "三会一课 ledger"):

- A meeting belongs to the period (month, quarter, half, year) of its local start date.
- It counts once its minutes are approved (approved or archived). Held with minutes not
  yet approved is 待审核 while the period runs and 记录未审 (failed) once it has ended; it
  turns into 已开 whenever B approves, also after the period, since the period is that
  of the meeting, not of the approval. Planned and never held counts as nothing.
- A period is required of a branch that existed for at least half of it (its org's
  creation date), so a branch founded on 10 May owes May (22 of 31 days) and the second
  quarter (52 of 91 days), but a branch founded on 20 October owes no October.
- 支委会 only where the branch has a committee (three or more holders of committee
  roles); 党小组会 only where it has party groups, and then every group must hold one.
- The rule in force for a kind is the nearest one set on the branch or above it,
  otherwise the default of DESIGN.md.

The overview for a county aggregates a year of meetings in one grouped query (a bit mask
of months per branch, kind and group), then walks the periods in Python with integers
only: 1,000 branches cost a few queries and a few tens of milliseconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Case, Count, F, Func, IntegerField, Q, Value, When
from django.utils.translation import get_language

from xianfeng.meetings.enums import (
    COMMITTEE_MIN,
    COMMITTEE_ROLES,
    COUNTED_STATES,
    DEFAULT_PERIODS,
    RECORDING_STATES,
    SEVERITY,
    STATUS_BY_SEVERITY,
    ComplianceStatus,
    MeetingKind,
    MeetingState,
    Period,
)
from xianfeng.meetings.models import Meeting, MeetingRule
from xianfeng.meetings.periods import Span, spans
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org, Role, subtree_q

S_HELD = SEVERITY[ComplianceStatus.HELD]
S_PENDING = SEVERITY[ComplianceStatus.PENDING]
S_UNAPPROVED = SEVERITY[ComplianceStatus.UNAPPROVED]
S_PLANNED = SEVERITY[ComplianceStatus.PLANNED]
S_DUE = SEVERITY[ComplianceStatus.DUE]
S_OVERDUE = SEVERITY[ComplianceStatus.OVERDUE]
S_FUTURE = SEVERITY[ComplianceStatus.FUTURE]
S_EXEMPT = SEVERITY[ComplianceStatus.EXEMPT]
NO_CELL = -1

PAST, CURRENT, FUTURE = 0, 1, 2
NONE, COMMITTEE, GROUP = Period.NONE.value, MeetingKind.COMMITTEE.value, MeetingKind.GROUP.value
ALL_KINDS: tuple[str, ...] = tuple(MeetingKind.values)


class MonthBit(Func):
    """1 << (month - 1), the month's bit (SQLite and PostgreSQL both have <<)."""

    template = "(1 << (%(expressions)s - 1))"
    output_field = IntegerField()


class MaskOr(Aggregate):
    """OR of month bits: BIT_OR on PostgreSQL; SUM(DISTINCT …) elsewhere (the same for
    distinct powers of two, but it has to sort)."""

    function = "BIT_OR"
    name = "MaskOr"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="SUM(DISTINCT %(expressions)s)", **extra
        )


def _mask_of(states: Iterable[str]) -> MaskOr:
    """The months (as a bit mask) in which a row group has meetings in `states`."""
    return MaskOr(
        Case(
            When(state__in=list(states), then=MonthBit(F("month"))),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


@dataclass(frozen=True)
class BranchInfo:
    id: int
    code: str
    name: str
    path: str
    parent_name: str
    created_on: datetime.date
    committee: int
    groups: int
    dissolved_on: datetime.date | None = None


@dataclass
class Masks:
    """Months with counted, recording and planned meetings of one kind at one branch."""

    done: int = 0
    pending: int = 0
    planned: int = 0
    # 党小组会: the done months of each group (a period is met when all groups met it).
    group_done: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Obligation:
    """One kind of meeting in one period, for one branch."""

    kind: str
    span: Span
    status: str
    required: bool
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return labels()[0][self.kind]

    @property
    def status_label(self) -> str:
        return labels()[1][self.status]


@dataclass
class BranchRow:
    info: BranchInfo
    periods: dict[str, str]
    masks: dict[str, Masks]
    months: list[int]  # per month, the worst severity of obligations ending then (-1: none)
    met: int = 0  # required obligations held
    due: int = 0  # required obligations ended, or held early
    failed: int = 0  # required obligations ended without an approved meeting

    @property
    def rate(self) -> int | None:
        return round(100 * self.met / self.due) if self.due else None

    @property
    def month_statuses(self) -> list[str]:
        return [STATUS_BY_SEVERITY[s] if s >= 0 else "" for s in self.months]


@dataclass
class MonthSummary:
    month: int
    branches: int = 0  # with an obligation ending this month
    failed: int = 0
    open: int = 0
    met: int = 0

    @property
    def rate(self) -> int | None:
        closed = self.met + self.failed
        return round(100 * self.met / closed) if closed else None


@dataclass
class ComplianceTable:
    root: Org
    year: int
    today: datetime.date
    kinds: tuple[str, ...]
    rows: list[BranchRow]
    summary: list[MonthSummary]

    @property
    def failed_branches(self) -> int:
        return sum(1 for r in self.rows if r.failed)

    @property
    def rate(self) -> int | None:
        due = sum(r.due for r in self.rows)
        return round(100 * sum(r.met for r in self.rows) / due) if due else None


def labels() -> tuple[dict[str, str], dict[str, str]]:
    """Kind and status labels in the active language, translated once per language (a lazy
    label costs a translation lookup each time it is turned into text)."""
    return _labels(get_language() or "")


@lru_cache(maxsize=8)
def _labels(language: str) -> tuple[dict[str, str], dict[str, str]]:
    return (
        {k: str(v) for k, v in MeetingKind.choices},
        {k: str(v) for k, v in ComplianceStatus.choices},
    )


@lru_cache(maxsize=64)
def _windows(
    period: str, year: int, today: datetime.date
) -> tuple[tuple[Span, int, int, datetime.date, int], ...]:
    """(span, mask, last month index, founding cutoff, past/current/future) for a year."""
    out = []
    for span in spans(period, year):
        when = PAST if span.end < today else FUTURE if span.start > today else CURRENT
        out.append((span, span.mask, span.last_month - 1, span.creation_cutoff, when))
    return tuple(out)


def _applicable(kind: str, info: BranchInfo) -> bool:
    if kind == MeetingKind.COMMITTEE:
        return info.committee >= COMMITTEE_MIN
    if kind == MeetingKind.GROUP:
        return info.groups > 0
    return True


def _done_mask(kind: str, masks: Masks, info: BranchInfo) -> int:
    if kind != MeetingKind.GROUP:
        return masks.done
    # No groups: nothing was held (an empty AND below would say every month was).
    if not info.groups or len(masks.group_done) < info.groups:
        return 0
    done = (1 << 12) - 1
    for mask in masks.group_done.values():
        done &= mask
    return done


def _severity(done: int, pending: int, planned: int, mask: int, required: bool, when: int) -> int:
    if done & mask:
        return S_HELD
    if not required:
        return S_EXEMPT
    if when == FUTURE:
        return S_PLANNED if planned & mask else S_FUTURE
    if pending & mask:
        return S_UNAPPROVED if when == PAST else S_PENDING
    if when == PAST:
        return S_OVERDUE
    return S_PLANNED if planned & mask else S_DUE


class _Rules:
    """Frequency rules by org path; the nearest one on the branch's line wins."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]) -> None:
        self.by_path: dict[str, dict[str, str]] = {}
        for path, kind, period in rows:
            self.by_path.setdefault(path, {})[kind] = period
        self.cache: dict[str, dict[str, str]] = {}

    def at(self, path: str) -> dict[str, str]:
        found = self.cache.get(path)
        if found is None:
            parent = path[: -paths.SEGMENT]
            found = dict(self.at(parent)) if parent else dict(DEFAULT_PERIODS)
            found.update(self.by_path.get(path, {}))
            self.cache[path] = found
        return found


def _load(root: Org, year: int) -> tuple[list[BranchInfo], _Rules, dict[tuple[int, str], Masks]]:
    upper = paths.upper_bound(root.path)
    in_tree = Q(path__gte=root.path, path__lt=upper)
    committee = dict(
        Role.objects.filter(
            kind__in=COMMITTEE_ROLES,
            org__kind=OrgKind.BRANCH,
            org__path__gte=root.path,
            org__path__lt=upper,
        )
        .values("org_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("org_id", "n")
    )
    groups = dict(
        Org.objects.filter(in_tree, kind=OrgKind.GROUP)
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    branches = [
        BranchInfo(
            id=pk,
            code=code,
            name=name,
            path=path,
            parent_name=parent_name or "",
            created_on=founded_on,
            committee=committee.get(pk, 0),
            groups=groups.get(pk, 0),
            dissolved_on=dissolved_on,
        )
        for pk, code, name, path, parent_name, founded_on, dissolved_on in Org.objects.filter(
            in_tree, kind=OrgKind.BRANCH
        )
        .order_by("path")
        .values_list("id", "code", "name", "path", "parent__name", "founded_on", "dissolved_on")
    ]
    rules = _Rules(
        MeetingRule.objects.filter(
            Q(org__path__in=paths.ancestor_paths(root.path))
            | subtree_q([root.path], field="org__path")
        ).values_list("org__path", "kind", "period")
    )
    masks: dict[tuple[int, str], Masks] = {}
    grouped = (
        Meeting.objects.filter(year=year, branch__path__gte=root.path, branch__path__lt=upper)
        .exclude(state=MeetingState.CANCELLED)
        .values("branch_id", "kind", "org_id")
        .annotate(
            done=_mask_of(COUNTED_STATES),
            pending=_mask_of(RECORDING_STATES),
            planned=_mask_of([MeetingState.PLANNED]),
        )
        .values_list("branch_id", "kind", "org_id", "done", "pending", "planned")
    )
    # Thousands of rows of plain integers: the compiled SQL through the cursor, without
    # the ORM's per-row converters (a fifth of the time otherwise).
    sql, params = grouped.query.get_compiler(using=grouped.db).as_sql()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for branch_id, kind, org_id, done, pending, planned in rows:
        m = masks.get((branch_id, kind))
        if m is None:
            m = masks[(branch_id, kind)] = Masks()
        done, pending, planned = int(done or 0), int(pending or 0), int(planned or 0)
        m.done |= done
        m.pending |= pending
        m.planned |= planned
        if kind == MeetingKind.GROUP:
            m.group_done[org_id] = m.group_done.get(org_id, 0) | done
    return branches, rules, masks


def compliance_table(
    root: Org,
    *,
    year: int,
    today: datetime.date,
    kinds: Sequence[str] | None = None,
) -> ComplianceTable:
    """Every branch in `root`'s subtree for a year: the worst status of the obligations
    ending in each month, and counts of met, due and failed obligations."""
    wanted = tuple(kinds) if kinds else ALL_KINDS
    branches, rules, all_masks = _load(root, year)
    windows = {p: _windows(p, year, today) for p in Period.values if p != Period.NONE}
    summary = [MonthSummary(month=m) for m in range(1, 13)]
    rows: list[BranchRow] = []
    empty = Masks()
    # Most branches share a founding date and many share their months: evaluate each
    # distinct (rule, months, founding) once. A result is the twelve months' severities
    # of that kind's obligations and its met, due and failed counts.
    required_of: dict[tuple[str, datetime.date, datetime.date | None, bool], tuple[bool, ...]] = {}
    evaluated: dict[tuple[Any, ...], tuple[tuple[int, ...], int, int, int]] = {}
    for info in branches:
        periods = rules.at(info.path)
        months = [NO_CELL] * 12
        row = BranchRow(info=info, periods=periods, masks={}, months=months)
        for kind in wanted:
            period = periods[kind]
            if period == NONE:
                continue
            masks = all_masks.get((info.id, kind), empty)
            row.masks[kind] = masks
            applicable = (
                info.committee >= COMMITTEE_MIN
                if kind == COMMITTEE
                else info.groups > 0
                if kind == GROUP
                else True
            )
            req_key = (period, info.created_on, info.dissolved_on, applicable)
            required = required_of.get(req_key)
            if required is None:
                required = tuple(
                    applicable and span.required_while(info.created_on, info.dissolved_on)
                    for span, _mask, _last, _cutoff, _when in windows[period]
                )
                required_of[req_key] = required
            done = _done_mask(kind, masks, info) if kind == GROUP else masks.done
            key = (period, done, masks.pending, masks.planned, required)
            result = evaluated.get(key)
            if result is None:
                result = _evaluate(windows[period], done, masks, required)
                evaluated[key] = result
            cells, met, due, failed = result
            months[:] = map(max, months, cells)
            row.met += met
            row.due += due
            row.failed += failed
        for index, sev in enumerate(months):
            if sev < S_HELD:
                continue
            month = summary[index]
            month.branches += 1
            if sev == S_HELD:
                month.met += 1
            elif sev >= S_UNAPPROVED:
                month.failed += 1
            else:
                month.open += 1
        rows.append(row)
    return ComplianceTable(
        root=root, year=year, today=today, kinds=wanted, rows=rows, summary=summary
    )


def _evaluate(
    windows: tuple[tuple[Span, int, int, datetime.date, int], ...],
    done: int,
    masks: Masks,
    required: tuple[bool, ...],
) -> tuple[tuple[int, ...], int, int, int]:
    cells = [NO_CELL] * 12
    met = due = failed = 0
    for (_span, mask, last, _cutoff, when), needed in zip(windows, required, strict=True):
        sev = _severity(done, masks.pending, masks.planned, mask, needed, when)
        if sev > cells[last]:
            cells[last] = sev
        if needed:
            if sev == S_HELD:
                met += 1
                due += 1
            elif sev in (S_OVERDUE, S_UNAPPROVED):
                failed += 1
                due += 1
    return tuple(cells), met, due, failed


def obligations(row: BranchRow, *, year: int, today: datetime.date) -> list[Obligation]:
    """The obligations of one row in detail (kind, period, status), for the branch page and
    the cells' titles."""
    out: list[Obligation] = []
    info = row.info
    for kind, masks in row.masks.items():
        period = row.periods[kind]
        applicable = _applicable(kind, info)
        done = _done_mask(kind, masks, info)
        for span, mask, _last, _cutoff, when in _windows(period, year, today):
            required = applicable and span.required_while(info.created_on, info.dissolved_on)
            sev = _severity(done, masks.pending, masks.planned, mask, required, when)
            detail = ""
            if kind == MeetingKind.GROUP and applicable:
                met = sum(1 for m in masks.group_done.values() if m & mask)
                detail = f"{met}/{info.groups} 个党小组已开"
            elif not applicable:
                detail = "未设支委会" if kind == MeetingKind.COMMITTEE else "未设党小组"
            elif not required:
                detail = "成立不足半个周期"
            out.append(Obligation(kind, span, STATUS_BY_SEVERITY[sev], required, detail))
    return out


def month_titles(row: BranchRow, *, year: int, today: datetime.date) -> list[str]:
    """A short text per month naming the obligations that end then and their status."""
    kind_labels, status_labels = labels()
    titles: list[list[str]] = [[] for _ in range(12)]
    for ob in obligations(row, year=year, today=today):
        if ob.status == ComplianceStatus.EXEMPT and not ob.required:
            continue
        titles[ob.span.last_month - 1].append(
            f"{kind_labels[ob.kind]}（{ob.span.label}）：{status_labels[ob.status]}"
        )
    return ["；".join(t) for t in titles]


def branch_compliance(
    branch: Org, *, year: int, today: datetime.date
) -> tuple[BranchRow | None, list[Obligation]]:
    """One branch's year: its row and every obligation in detail."""
    table = compliance_table(branch, year=year, today=today)
    row = next((r for r in table.rows if r.info.id == branch.pk), None)
    if row is None:
        return None, []
    return row, obligations(row, year=year, today=today)


def meetings_to_hold(user: Any, *, today: datetime.date) -> list[tuple[Org, Obligation]]:
    """What the person's own branches still have to hold this year: the current period's
    meetings not yet held (未开) and earlier periods' missed ones (逾期), for the branches
    where they are 书记 or 组织委员 (at most three: a secretary's home, not a county's)."""
    from xianfeng.orgs.enums import RoleKind
    from xianfeng.orgs.selectors import roles_of

    holders = {RoleKind.SECRETARY, RoleKind.ORGANIZER}
    branches: list[Org] = []
    for role in roles_of(user):
        if role.kind in holders and role.org.kind == OrgKind.BRANCH and role.org not in branches:
            branches.append(role.org)
    out: list[tuple[Org, Obligation]] = []
    for branch in branches[:3]:
        _row, obs = branch_compliance(branch, year=today.year, today=today)
        for ob in obs:
            if not ob.required:
                continue
            current = ob.span.first_month <= today.month <= ob.span.last_month
            if (ob.status == ComplianceStatus.DUE and current) or (
                ob.status == ComplianceStatus.OVERDUE
            ):
                out.append((branch, ob))
    return out
