"""Reads of the fact table, limited to the orgs a person may read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from xianfeng.assessment.enums import AppraisalState, BulletinState, CheckState, Grade, ItemRule
from xianfeng.assessment.models import (
    Adjustment,
    Appraisal,
    Appraisee,
    BallotReceipt,
    Bulletin,
    BulletinRow,
    CheckLine,
    CheckReturn,
    Evidence,
    Fact,
    Scheme,
    SchemeItem,
    SelfCheck,
    Tally,
)
from xianfeng.assessment.rules import (
    excellent_limit,
    may_confirm,
    may_fill,
    may_manage_scheme,
    may_run,
    may_spot_check,
)
from xianfeng.assessment.scoring import computed_score
from xianfeng.common import indicators, records
from xianfeng.common.indicators import Indicator, Month
from xianfeng.orgs.enums import RECORD_ROLES, ROSTER_MANAGE_ROLES, OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for, orgs_managed_by, scope_q

FACTS_VERSION_KEY = "assessment:facts:version"
READ_ROLES = RECORD_ROLES  # 书记、组织委员、宣传委员、管理员 read their subtree's figures


@dataclass(frozen=True)
class Figure:
    """One indicator for one org and month, with last month's value beside it."""

    indicator: Indicator
    value: float | None
    numerator: float = 0.0
    denominator: float = 0.0
    previous: float | None = None

    @property
    def meets(self) -> bool | None:
        return self.indicator.meets(self.value)

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def shown(self) -> str:
        """The figure as text: 87.5%, 12 部, — when there is nothing to divide by."""
        if self.value is None:
            return "—"
        number = f"{self.value:g}" if self.indicator.ratio else f"{self.value:.0f}"
        return f"{number}{self.indicator.unit}" if self.indicator.ratio else number


@dataclass(frozen=True)
class ChildFigure:
    org: Org
    figure: Figure


@dataclass
class OrgFigures:
    """An org's page: its figures grouped, and its children ranked by one indicator."""

    org: Org
    month: Month
    groups: list[tuple[str, list[Figure]]]
    chosen: Indicator | None
    children: list[ChildFigure] = field(default_factory=list)
    computed_at: Any = None
    top: float = 0.0  # the largest child value: a count's scale on the ranking


def facts_version() -> str:
    """Changes whenever the fact table is recomputed: the key of anything cached from it.
    A cache that lost it starts a new version (everything recomputed once)."""
    version = cache.get(FACTS_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(FACTS_VERSION_KEY, version, None)
        version = cache.get(FACTS_VERSION_KEY, version)
    return str(version)


def indicator_roots(user: Any) -> list[Org]:
    return org_roots_for(user, READ_ROLES)


def get_org_for_figures(user: Any, code: str) -> Org:
    """404 outside the person's reach, as everywhere."""
    return get_org_for_user(user, code, READ_ROLES)


def figure_of(indicator: Indicator, fact: Fact | None, previous: Fact | None) -> Figure:
    """The figure a fact gives (none: 0 for a count, no value for a ratio)."""
    zero = None if indicator.ratio else 0.0  # no records: 0 lessons, but no 参学率
    return Figure(
        indicator=indicator,
        value=fact.value if fact else zero,
        numerator=fact.numerator if fact else 0.0,
        denominator=fact.denominator if fact else 0.0,
        previous=previous.value if previous else (None if indicator.ratio else 0.0),
    )


def _facts(orgs: list[Org], months: list[Month], codes: list[str]) -> list[Fact]:
    return list(
        Fact.objects.filter(
            org__in=[o.pk for o in orgs],
            month__in=[m.first for m in months],
            indicator__in=codes,
        )
    )


def org_figures(org: Org, month: Month, chosen_code: str = "") -> OrgFigures:
    """Every registered indicator for `org` in `month` (and the month before), and its
    children ranked by the chosen indicator (the first one by default). Three queries."""
    registered = indicators.registered()
    codes = [i.code for i in registered]
    previous = month.previous()
    mine = {(f.indicator, f.month): f for f in _facts([org], [month, previous], codes)}
    groups: dict[str, list[Figure]] = {}
    for indicator in registered:
        figure = figure_of(
            indicator,
            mine.get((indicator.code, month.first)),
            mine.get((indicator.code, previous.first)),
        )
        groups.setdefault(indicator.group or "其他", []).append(figure)
    chosen = next((i for i in registered if i.code == chosen_code), None) or (
        registered[0] if registered else None
    )
    computed = max((f.computed_at for f in mine.values()), default=None)
    result = OrgFigures(
        org=org, month=month, groups=list(groups.items()), chosen=chosen, computed_at=computed
    )
    if chosen is None:
        return result
    children = list(
        Org.objects.filter(parent=org).exclude(kind=OrgKind.GROUP).order_by("sort_order", "path")
    )
    theirs = {(f.org_id, f.month): f for f in _facts(children, [month, previous], [chosen.code])}
    rows = [
        ChildFigure(
            child,
            figure_of(
                chosen, theirs.get((child.pk, month.first)), theirs.get((child.pk, previous.first))
            ),
        )
        for child in children
    ]
    # Best first; orgs with nothing to show last, in tree order.
    sign = -1 if chosen.higher_is_better else 1
    rows.sort(key=lambda r: (r.figure.value is None, sign * (r.figure.value or 0)))
    result.children = rows
    result.top = max((r.figure.value or 0.0 for r in rows), default=0.0) or 1.0
    return result


# --- 民主评议 -------------------------------------------------------------------------


def appraisals_visible_to(user: Any) -> QuerySet[Appraisal]:
    """Appraisals of branches in the person's record reach, and those they take part in."""
    if not getattr(user, "is_authenticated", False):
        return Appraisal.objects.none()
    where = scope_q(user, READ_ROLES, field="org__path") | Q(appraisees__member__user=user)
    return Appraisal.objects.filter(where).distinct().select_related("org")


def get_appraisal_for_user(user: Any, pk: int) -> Appraisal:
    appraisal = appraisals_visible_to(user).filter(pk=pk).first()
    if appraisal is None:
        raise Http404("找不到该民主评议")
    return appraisal


@dataclass(frozen=True)
class Line:
    """One appraisee on the page, with the counts per grade when they may be shown."""

    row: Appraisee
    counts: list[tuple[str, int]]


@dataclass
class AppraisalPage:
    """What one person sees of an appraisal: the counts only once the ballot is closed
    and only to those who run or confirm it; a member's grade once confirmed."""

    appraisal: Appraisal
    rows: list[Appraisee]
    mine: Appraisee | None
    voted: bool
    voters: int
    can_run: bool
    can_confirm: bool
    excellent_limit: int | None
    lines: list[Line] = field(default_factory=list)

    @property
    def show_counts(self) -> bool:
        counted = self.appraisal.state != AppraisalState.PREPARING and (
            self.appraisal.state != AppraisalState.VOTING
        )
        return counted and (self.can_run or self.can_confirm)

    @property
    def others(self) -> list[Appraisee]:
        return [r for r in self.rows if self.mine is None or r.pk != self.mine.pk]


def appraisal_page(user: Any, appraisal: Appraisal) -> AppraisalPage:
    rows = list(appraisal.appraisees.select_related("member__user").order_by("id"))
    mine = next((r for r in rows if r.member.user_id == user.pk), None)
    page = AppraisalPage(
        appraisal=appraisal,
        rows=rows,
        mine=mine,
        voted=BallotReceipt.objects.filter(appraisal=appraisal, voter=user).exists(),
        voters=BallotReceipt.objects.filter(appraisal=appraisal).count(),
        can_run=may_run(user, appraisal),
        can_confirm=may_confirm(user, appraisal),
        excellent_limit=excellent_limit(appraisal, len(rows)),
    )
    tallies: dict[tuple[int, str], int] = {}
    if page.show_counts:
        rows_ = Tally.objects.filter(appraisee__appraisal=appraisal)
        tallies = {(a, g): n for a, g, n in rows_.values_list("appraisee_id", "grade", "votes")}
    page.lines = [
        Line(
            row,
            [(str(label), tallies.get((row.pk, value), 0)) for value, label in Grade.choices]
            if page.show_counts
            else [],
        )
        for row in rows
    ]
    return page


def confirmed_grades_of_member(user: Any, member_id: int) -> list[Appraisee]:
    """A member's 民主评议 grades once the higher org confirmed them, for their record: to the
    member themself and to the officers of the branch that appraised them (READ_ROLES over
    it), never to anyone else. One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    where = scope_q(user, READ_ROLES, field="appraisal__org__path") | Q(member__user_id=user.pk)
    return list(
        Appraisee.objects.filter(where)
        .filter(member_id=member_id, appraisal__state=AppraisalState.CONFIRMED)
        .exclude(grade="")
        .select_related("appraisal__org")
        .order_by("-appraisal__year", "-id")
    )


def branches_for_appraisal(user: Any) -> list[Org]:
    """Branches where the person may start an appraisal."""
    return list(
        orgs_managed_by(user, ROSTER_MANAGE_ROLES)
        .filter(kind=OrgKind.BRANCH)
        .order_by("path")[:200]
    )


# --- 量化考评方案 ------------------------------------------------------------------------


def schemes_visible_to(user: Any) -> QuerySet[Scheme]:
    """Schemes made in the person's reach, and the ones that apply to the orgs they read
    (a scheme of an ancestor applies to every branch below it)."""
    if not getattr(user, "is_authenticated", False):
        return Scheme.objects.none()
    roots = org_roots_for(user, READ_ROLES)
    if not roots:
        return Scheme.objects.none()
    above: set[int] = set()
    for root in roots:
        above.update(root.ancestor_ids())
    where = scope_q(user, READ_ROLES, field="org__path") | Q(org_id__in=above)
    return Scheme.objects.filter(where).select_related("org")


def get_scheme_for_user(user: Any, pk: int) -> Scheme:
    scheme = schemes_visible_to(user).filter(pk=pk).first()
    if scheme is None:
        raise Http404("找不到该考评方案")
    return scheme


def scheme_items(scheme: Scheme) -> list[tuple[str, list[SchemeItem]]]:
    """The items under their headings, in order."""
    grouped: dict[str, list[SchemeItem]] = {}
    for item in scheme.items.all():
        grouped.setdefault(item.heading, []).append(item)
    return list(grouped.items())


@dataclass(frozen=True)
class ScoreLine:
    item: SchemeItem
    figure: Figure | None  # computed items: the indicator's figure for the org and month
    score: Decimal | None  # None: not scored yet (evidence, deduction) or nothing measured
    evidence: str | None  # the records behind the figure


@dataclass
class ScoreSheet:
    scheme: Scheme
    org: Org
    month: Month
    lines: list[ScoreLine]

    @property
    def computed_total(self) -> Decimal:
        return sum((line.score for line in self.lines if line.score is not None), Decimal(0))

    @property
    def computed_points(self) -> Decimal:
        """The points of the items scored so far (the rest wait for evidence or review)."""
        return sum((line.item.points for line in self.lines if line.score is not None), Decimal(0))

    @property
    def waiting(self) -> int:
        return sum(1 for line in self.lines if line.score is None)


def score_sheet(scheme: Scheme, org: Org, month: Month) -> ScoreSheet:
    """The scheme applied to `org` for `month`: computed items scored from the fact table
    (one query), each with a link to the records behind it."""
    items = list(scheme.items.all())
    codes = [i.indicator for i in items if i.rule == ItemRule.COMPUTED]
    facts = {f.indicator: f for f in _facts([org], [month], codes)}
    lines = []
    for item in items:
        if item.rule != ItemRule.COMPUTED:
            lines.append(ScoreLine(item, None, None, None))
            continue
        try:
            indicator = indicators.get(item.indicator)
        except KeyError:  # an app removed since: the item cannot be computed
            lines.append(ScoreLine(item, None, None, None))
            continue
        figure = figure_of(indicator, facts.get(item.indicator), None)
        score = computed_score(
            points=item.points,
            full_at=item.full_at if item.full_at is not None else 100.0,
            zero_at=item.zero_at or 0.0,
            value=figure.value,
            higher_is_better=indicator.higher_is_better,
        )
        records = indicator.records(org, month) if indicator.records else None
        lines.append(ScoreLine(item, figure, score, records))
    return ScoreSheet(scheme, org, month, lines)


def scheme_applies_to(scheme: Scheme, org: Org) -> bool:
    return scheme.org.contains(org)


def sheet_orgs_for_user(user: Any, scheme: Scheme) -> list[Org]:
    """The orgs whose score sheet under this scheme the person may open: the scheme's own org
    when it is in their reach, else each of their own orgs the scheme covers (a branch reading
    the county's scheme sees its own sheet, never a link to the county's)."""
    found: list[Org] = []
    for root in indicator_roots(user):
        org = scheme.org if root.contains(scheme.org) else root
        if scheme_applies_to(scheme, org) and org not in found:
            found.append(org)
    return found


def orgs_for_scheme_manage(user: Any) -> list[Org]:
    """Committees where the person may make a scheme."""
    return list(
        orgs_managed_by(user, ROSTER_MANAGE_ROLES)
        .exclude(kind__in=[OrgKind.BRANCH, OrgKind.GROUP])
        .order_by("path")[:100]
    )


# --- 月度自查、抽查、通报 ---------------------------------------------------------------


def selfchecks_visible_to(user: Any) -> QuerySet[SelfCheck]:
    """Self-checks of branches in the person's record reach: a branch its own, a town its
    subtree's. Never another branch's (their evidence stays theirs)."""
    if not getattr(user, "is_authenticated", False):
        return SelfCheck.objects.none()
    return SelfCheck.objects.filter(scope_q(user, READ_ROLES, field="org__path")).select_related(
        "org", "scheme", "spot_check"
    )


def get_selfcheck_for_user(user: Any, pk: int) -> SelfCheck:
    check = selfchecks_visible_to(user).filter(pk=pk).first()
    if check is None:
        raise Http404("找不到该月度自查")
    return check


def get_evidence_for_user(user: Any, check_pk: int, pk: int) -> Evidence:
    check = get_selfcheck_for_user(user, check_pk)
    evidence = Evidence.objects.filter(pk=pk, line__selfcheck=check).first()
    if evidence is None:
        raise Http404("找不到该材料")
    return evidence


@dataclass
class CheckPage:
    check: SelfCheck
    lines: list[CheckLine]
    can_fill: bool
    can_adjust: bool
    due: Any = None
    returns: list[CheckReturn] = field(default_factory=list)
    can_return: bool = False
    # The branch's own records the person may cite as evidence: (kind label, [refs]).
    record_choices: list[tuple[str, list[records.RecordRef]]] = field(default_factory=list)


def _list_behind(check: SelfCheck, lines: list[CheckLine]) -> None:
    """Under a computed figure that counts things to put right (逾期未整改事项), the things
    themselves with links (line.listed): the branch's own, as on the check itself, each
    page checking again. One query per such item."""
    month = Month.of(check.month)
    for line in lines:
        found: list[indicators.Listed] = []
        if line.item.rule == ItemRule.COMPUTED and line.item.indicator in indicators.codes():
            indicator = indicators.get(line.item.indicator)
            if indicator.listed is not None:
                found = indicator.listed(check.org, month)
        line.listed = found  # type: ignore[attr-defined]


def check_page(user: Any, check: SelfCheck, *, with_choices: bool = True) -> CheckPage:
    """The lines with their items, evidence and adjustment history, and the returns:
    four queries."""
    lines = list(
        check.lines.select_related("item")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("id")),
            Prefetch(
                "adjustments",
                queryset=Adjustment.objects.select_related("adjusted_by").order_by("id"),
            ),
        )
        .order_by("item__sort_order", "item_id")
    )
    can_fill = check.editable and may_fill(user, check.org)
    _list_behind(check, lines)
    return CheckPage(
        check=check,
        lines=lines,
        can_fill=can_fill,
        record_choices=record_choices(user, check.org) if can_fill and with_choices else [],
        can_adjust=(
            check.spot_check_id is not None
            and check.state in (CheckState.SUBMITTED, CheckState.CHECKED)
            and may_spot_check(user, check.org)
        ),
        returns=list(check.returns.select_related("returned_by").order_by("id")),
        can_return=(
            check.state in (CheckState.SUBMITTED, CheckState.CHECKED)
            and may_spot_check(user, check.org)
        ),
    )


RECORD_CHOICES = 30  # the latest of each kind; older ones by id through the API


def record_choices(user: Any, branch: Org) -> list[tuple[str, list[records.RecordRef]]]:
    """Per registered kind, the branch's latest records the person may see (one query a
    kind, through the owning app's selector)."""
    found = []
    for kind in records.kinds():
        if not kind.evidence:
            continue
        refs = kind.choices(user, branch, RECORD_CHOICES)
        if refs:
            found.append((kind.label, refs))
    return found


@dataclass(frozen=True)
class BranchMonth:
    """A branch on the month's list: its self-check if it has one."""

    org: Org
    check: SelfCheck | None


def month_checks(user: Any, month: Month) -> list[BranchMonth]:
    """Every branch in the person's reach with its self-check for the month (two queries),
    at most 500 branches."""
    branches = list(
        Org.objects.filter(scope_q(user, READ_ROLES, field="path"), kind=OrgKind.BRANCH).order_by(
            "path"
        )[:500]
    )
    checks = {
        c.org_id: c
        for c in SelfCheck.objects.filter(org__in=branches, month=month.first).select_related(
            "spot_check"
        )
    }
    return [BranchMonth(b, checks.get(b.pk)) for b in branches]


def orgs_for_spot_check(user: Any) -> list[Org]:
    """Committees where the person may spot-check and publish 通报."""
    return orgs_for_scheme_manage(user)


def bulletins_visible_to(user: Any) -> QuerySet[Bulletin]:
    """Published 通报 of the orgs in the person's reach and of those above it (a branch
    reads the town's and the county's); drafts only to who may publish them."""
    if not getattr(user, "is_authenticated", False):
        return Bulletin.objects.none()
    roots = org_roots_for(user, READ_ROLES)
    if not roots and not user.is_superuser:
        return Bulletin.objects.none()
    above: set[int] = set()
    for root in roots:
        above.update(root.ancestor_ids())
    published = Q(state=BulletinState.PUBLISHED) & (
        scope_q(user, READ_ROLES, field="org__path") | Q(org_id__in=above)
    )
    drafts = scope_q(user, ROSTER_MANAGE_ROLES, field="org__path")
    return Bulletin.objects.filter(published | drafts).select_related("org")


def get_bulletin_for_user(user: Any, pk: int) -> Bulletin:
    bulletin = bulletins_visible_to(user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404("找不到该通报")
    return bulletin


@dataclass(frozen=True)
class RowLinks:
    """A 通报 row and where its number comes from: the months' self-checks (a quarter)
    or the quarters' 通报 (the year) — only those the person may open."""

    row: BulletinRow
    sources: list[tuple[str, str, str]]  # (label, score, url)


@dataclass
class BulletinPage:
    bulletin: Bulletin
    rows: list[RowLinks]
    can_manage: bool

    @property
    def meeting_share(self) -> float | None:
        if not self.rows:
            return None
        return round(100 * sum(1 for r in self.rows if r.row.meets) / len(self.rows), 1)

    @property
    def benchmarks(self) -> list[BulletinRow]:
        return [r.row for r in self.rows if r.row.benchmark]


def bulletin_page(user: Any, bulletin: Bulletin) -> BulletinPage:
    """Rows with their sources: three queries whatever the number of branches."""
    rows = list(bulletin.rows.select_related("org").order_by("rank", "org__path"))
    readable = _readable_branch_ids(user, rows)
    sources: dict[int, list[tuple[str, str, str]]] = {r.org_id: [] for r in rows}
    if not bulletin.annual:
        for check in SelfCheck.objects.filter(
            org_id__in=readable, month__in=bulletin.firsts
        ).order_by("month"):
            sources[check.org_id].append(
                (
                    f"{check.month.month}月",
                    "—" if check.score is None or check.submitted_at is None else f"{check.score}",
                    reverse("assessment:check", kwargs={"pk": check.pk}),
                )
            )
    else:
        quarters = Bulletin.objects.filter(
            org=bulletin.org,
            year=bulletin.year,
            quarter__in=[1, 2, 3, 4],
            state=BulletinState.PUBLISHED,
        )
        for org_id, score, quarter, pk in (
            BulletinRow.objects.filter(bulletin__in=quarters, org_id__in=[r.org_id for r in rows])
            .values_list("org_id", "score", "bulletin__quarter", "bulletin_id")
            .order_by("bulletin__quarter")
        ):
            sources[org_id].append(
                (
                    f"第{quarter}季度",
                    f"{score}",
                    reverse("assessment:bulletin", kwargs={"pk": pk}),
                )
            )
    return BulletinPage(
        bulletin=bulletin,
        rows=[RowLinks(r, sources[r.org_id]) for r in rows],
        can_manage=may_manage_scheme(user, bulletin.org),
    )


def _readable_branch_ids(user: Any, rows: list[BulletinRow]) -> set[int]:
    """The rows' branches whose self-checks the person may open (no query: roles are
    loaded once per request)."""
    return {r.org_id for r in rows if has_role_over(user, r.org, READ_ROLES)}
