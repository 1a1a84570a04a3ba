"""考评通报: a quarter's ranking of the branches below an org, fixed when published (the
quarter's self-checks are locked), and the year's grades from the four quarters."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.assessment.enums import (
    BULLETIN_KIND,
    BULLETIN_MACHINE,
    SELFCHECK_MACHINE,
    BulletinState,
    CheckState,
    SchemeState,
)
from xianfeng.assessment.models import Bulletin, BulletinRow, Scheme, SelfCheck
from xianfeng.assessment.rules import may_manage_scheme
from xianfeng.assessment.scoring import grade_of, is_benchmark, parse_bands, period_score
from xianfeng.assessment.selectors import READ_ROLES
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.common.transitions import transition
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org, Role, subtree_q
from xianfeng.people.models import User


def _branches(org: Org, year: int, quarter: int) -> list[Org]:
    """The branches a 通报 ranks: those of the subtree that lived at least half the quarter
    (or year). A branch dissolved (撤销) before then, or founded (成立) after it, has no
    row, as it owes no 自查 and no 三会一课 for that time; its other 通报 keep it."""
    first_month = 1 if quarter == 0 else 3 * (quarter - 1) + 1
    start = datetime.date(year, first_month, 1)
    end = (
        datetime.date(year + 1, 1, 1)
        if quarter in (0, 4)
        else datetime.date(year, first_month + 3, 1)
    )
    half = ((end - start).days + 1) // 2
    cutoff = start + datetime.timedelta(days=half)
    founded_by = end - datetime.timedelta(days=half)  # the mirror: half of it lived from then
    return list(
        Org.objects.filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=cutoff),
            subtree_q([org.path], field="path"),
            founded_on__lte=founded_by,
            kind=OrgKind.BRANCH,
        ).order_by("path")
    )


def _year_scheme(org: Org, year: int) -> Scheme:
    """The scheme whose grade bands apply: the active one of the nearest org at or above
    `org`, else the last version used that year."""
    ids = [*org.ancestor_ids(), org.pk]
    found = list(
        Scheme.objects.filter(
            org_id__in=ids, year=year, state__in=[SchemeState.ACTIVE, SchemeState.RETIRED]
        ).select_related("org")
    )
    found.sort(key=lambda s: (len(s.org.path), s.state == SchemeState.ACTIVE, s.version))
    if not found:
        raise Refused(f"{year} 年度没有启用的量化考评方案")
    return found[-1]


def _ranked(scores: dict[int, Decimal], order: list[Org]) -> list[tuple[Org, int, Decimal]]:
    """Best first; equal scores share a rank (1, 1, 3), then tree order."""
    rows = sorted(order, key=lambda o: -scores[o.pk])
    ranked, previous, rank = [], None, 0
    for position, org in enumerate(rows, start=1):
        if scores[org.pk] != previous:
            rank, previous = position, scores[org.pk]
        ranked.append((org, rank, scores[org.pk]))
    return ranked


def _compute(bulletin: Bulletin) -> None:
    """(Re)build the rows, keeping any comments already written."""
    comments = dict(bulletin.rows.values_list("org_id", "comment"))
    branches = _branches(bulletin.org, bulletin.year, bulletin.quarter)
    rows: list[BulletinRow] = []
    if not bulletin.annual:
        firsts = bulletin.firsts
        monthly: dict[int, list[Decimal | None]] = {b.pk: [] for b in branches}
        for org_id, score in SelfCheck.objects.filter(
            org__in=branches, month__in=firsts, submitted_at__isnull=False
        ).values_list("org_id", "score"):
            monthly[org_id].append(score)
        scores = {pk: period_score(s, 3) for pk, s in monthly.items()}
        for org, rank, score in _ranked(scores, branches):
            rows.append(
                BulletinRow(
                    bulletin=bulletin,
                    org=org,
                    rank=rank,
                    score=score,
                    periods=len(monthly[org.pk]),
                    comment=comments.get(org.pk, ""),
                )
            )
    else:
        scheme = _year_scheme(bulletin.org, bulletin.year)
        bands = parse_bands(scheme.grade_bands)
        quarterly: dict[int, list[Decimal]] = {b.pk: [] for b in branches}
        for org_id, score in BulletinRow.objects.filter(
            bulletin__org=bulletin.org,
            bulletin__year=bulletin.year,
            bulletin__quarter__in=[1, 2, 3, 4],
            bulletin__state=BulletinState.PUBLISHED,
            org__in=branches,
        ).values_list("org_id", "score"):
            quarterly[org_id].append(score)
        scores = {pk: period_score(list(q), 4) for pk, q in quarterly.items()}
        for org, rank, score in _ranked(scores, branches):
            quarters = quarterly[org.pk]
            rows.append(
                BulletinRow(
                    bulletin=bulletin,
                    org=org,
                    rank=rank,
                    score=score,
                    periods=len(quarters),
                    comment=comments.get(org.pk, ""),
                    grade=grade_of(score, bands),
                    meets=score >= scheme.standard_min,
                    benchmark=is_benchmark(
                        score=score,
                        quarters=quarters,
                        benchmark_min=scheme.benchmark_min,
                        standard_min=scheme.standard_min,
                    ),
                )
            )
    bulletin.rows.all().delete()
    BulletinRow.objects.bulk_create(rows)


def _check_manager(actor: User, org: Org) -> None:
    if not may_manage_scheme(actor, org):
        raise PermissionDenied("只有本级或上级党委的书记、组织委员或管理员可以起草通报")


def bulletin_draft(*, actor: User, org: Org, year: int, quarter: int) -> Bulletin:
    """A draft 通报 for a quarter (1–4) or the year (0), computed from the self-checks (or
    from the four published quarterly 通报); the existing one when there is one."""
    _check_manager(actor, org)
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        raise Refused("通报由党委（党工委）发布", field="org")
    if not 0 <= quarter <= 4:
        raise Refused("季度应为 1 到 4（年度填 0）", field="quarter")
    if not 2000 <= year <= 2100:
        raise Refused("年度应在 2000 到 2100 之间", field="year")
    existing = Bulletin.objects.filter(org=org, year=year, quarter=quarter).first()
    if existing is not None:
        return existing
    if quarter == 0:
        published = set(
            Bulletin.objects.filter(
                org=org, year=year, state=BulletinState.PUBLISHED, quarter__in=[1, 2, 3, 4]
            ).values_list("quarter", flat=True)
        )
        missing = [str(q) for q in (1, 2, 3, 4) if q not in published]
        if missing:
            raise Refused(f"第 {'、'.join(missing)} 季度通报尚未发布，不能评定年度等次")
        _year_scheme(org, year)  # refuses when the year had no scheme
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                org=org, year=year, quarter=quarter, created_by=actor
            )
            _compute(bulletin)
            audit_log(
                actor=actor,
                action="bulletin.create",
                obj=bulletin,
                org=org,
                data={"year": year, "quarter": quarter},
            )
    except IntegrityError:
        return Bulletin.objects.get(org=org, year=year, quarter=quarter)
    return bulletin


def _draft(actor: User, bulletin: Bulletin) -> Bulletin:
    bulletin = (
        Bulletin.objects.select_for_update(of=("self",)).select_related("org").get(pk=bulletin.pk)
    )
    _check_manager(actor, bulletin.org)
    if bulletin.state != BulletinState.DRAFT:
        raise Refused("通报已发布，分数和点评不能再修改")
    return bulletin


def bulletin_recompute(*, actor: User, bulletin: Bulletin) -> Bulletin:
    with transaction.atomic():
        bulletin = _draft(actor, bulletin)
        _compute(bulletin)
    return bulletin


def bulletin_comment(
    *, actor: User, bulletin: Bulletin, comment: str, rows: Mapping[int, str]
) -> Bulletin:
    """The overall comment and one per branch (by row id)."""
    with transaction.atomic():
        bulletin = _draft(actor, bulletin)
        bulletin.comment = clean_text(comment)[:2000]
        bulletin.save(update_fields=["comment"])
        mine = {row.pk: row for row in bulletin.rows.all()}
        changed = []
        for pk, text in rows.items():
            row = mine.get(pk)
            if row is None:
                continue
            row.comment = clean_text(text, multiline=False).strip()[:200]
            changed.append(row)
        BulletinRow.objects.bulk_update(changed, ["comment"])
    return bulletin


def bulletin_publish(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """Fix the scores: the rows are computed a last time, the quarter's self-checks below
    the org are locked (drafts never submitted too: they count 0), and everyone holding a
    role in the subtree is told."""
    with transaction.atomic():
        bulletin = _draft(actor, bulletin)
        _compute(bulletin)
        locked = 0
        if not bulletin.annual:
            firsts = bulletin.firsts
            now = timezone.now()
            for check in (
                SelfCheck.objects.select_for_update(of=("self",))
                .filter(subtree_q([bulletin.org.path], field="org__path"), month__in=firsts)
                .exclude(state=CheckState.LOCKED)
                .select_related("org")
            ):
                transition(
                    check,
                    SELFCHECK_MACHINE,
                    CheckState.LOCKED,
                    actor=actor,
                    org=check.org,
                    fields={"locked_at": now},
                )
                locked += 1
        transition(
            bulletin,
            BULLETIN_MACHINE,
            BulletinState.PUBLISHED,
            actor=actor,
            org=bulletin.org,
            fields={"published_by": actor, "published_at": timezone.now()},
            data={"year": bulletin.year, "quarter": bulletin.quarter, "locked": locked},
        )
        readers = Role.objects.filter(
            subtree_q([bulletin.org.path], field="org__path"), kind__in=READ_ROLES
        ).values_list("user_id", flat=True)
        notify(
            users=sorted(set(readers)),
            title=f"{bulletin.title}已发布",
            body="请查看本支部的得分、排名和点评。",
            url=reverse("assessment:bulletin", kwargs={"pk": bulletin.pk}),
            kind=BULLETIN_KIND,
            actor=actor,
            org=bulletin.org,
            about=bulletin,
        )
    return bulletin
