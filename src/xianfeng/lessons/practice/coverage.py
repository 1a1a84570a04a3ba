"""每人至少讲过一次: who in a subtree has spoken in a year, counted from the record of
lectures (讲课记录), in a fixed number of queries whatever the size of the subtree.

Counting rules (README "每人讲一课"):
- The roster is today's: members (正式 and 预备) whose registry record sits in the subtree.
- A member has spoken in the year when they have at least one lecture dated in it: a lesson
  of theirs published that year, a 党课 they spoke at (approved minutes, dated by the
  meeting), or a tour stop they gave.
- 有课: a member with at least one lesson (微党课) of theirs published in the year.
- A lesson given by several speakers (the "1+1" pairing) is a lesson of each of them: each
  co-speaker has spoken and 有课, and it counts once per speaker in 人均课数.
- 人均课数: lessons published that year by the subtree's members / members.
- 无课支部: a 党支部 in the subtree none of whose members gave a lecture of any kind.
- 书记未讲党课: a 书记 of a 党支部 in the subtree without a lecture of their own in the year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from xianfeng.lessons.practice.enums import LectureKind, year_bounds
from xianfeng.lessons.practice.models import Lecture
from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgKind, RoleKind
from xianfeng.orgs.models import Org, Role, subtree_q
from xianfeng.people.models import Member


@dataclass
class CoverageRow:
    """The figures of one org's subtree."""

    org: Org
    members: int = 0
    spoken: int = 0
    with_lesson: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LectureKind.values, 0))

    @property
    def lessons(self) -> int:
        return self.by_kind[LectureKind.LESSON]

    @property
    def spoken_share(self) -> int:
        """Per cent of members who have spoken, rounded down (99.6 % is not everyone)."""
        return 100 * self.spoken // self.members if self.members else 0

    @property
    def lesson_share(self) -> int:
        return 100 * self.with_lesson // self.members if self.members else 0

    @property
    def lessons_per_member(self) -> str:
        return f"{self.lessons / self.members:.2f}" if self.members else "0.00"

    def add(self, other: CoverageRow) -> None:
        self.members += other.members
        self.spoken += other.spoken
        self.with_lesson += other.with_lesson
        for kind, n in other.by_kind.items():
            self.by_kind[kind] += n


@dataclass
class Coverage:
    org: Org
    year: int
    total: CoverageRow
    children: list[CoverageRow]
    silent_branches: list[Org]
    silent_secretaries: Sequence[Role]


def coverage_of(org: Org, year: int) -> Coverage:
    """The subtree's coverage in `year`, with a row per child org (drill-down)."""
    first, last = year_bounds(year)
    in_year = Q(given_on__gte=first, given_on__lte=last)
    orgs = list(Org.objects.filter(subtree_q([org.path], field="path")).order_by("path"))
    per_org: dict[int, CoverageRow] = {o.pk: CoverageRow(org=o) for o in orgs}

    members = Member.objects.filter(subtree_q([org.path], field="org__path")).annotate(
        has_spoken=Exists(Lecture.objects.filter(in_year, member=OuterRef("pk"))),
        has_lesson=Exists(
            Lecture.objects.filter(in_year, member=OuterRef("pk"), kind=LectureKind.LESSON)
        ),
    )
    for counts in members.values("org_id").annotate(
        n=Count("pk"),
        spoken=Count("pk", filter=Q(has_spoken=True)),
        with_lesson=Count("pk", filter=Q(has_lesson=True)),
    ):
        target = per_org.get(counts["org_id"])
        if target is not None:
            target.members += counts["n"]
            target.spoken += counts["spoken"]
            target.with_lesson += counts["with_lesson"]
    for by_kind in (
        Lecture.objects.filter(in_year, subtree_q([org.path], field="member__org__path"))
        .values("member__org_id", "kind")
        .annotate(n=Count("pk"))
    ):
        target = per_org.get(by_kind["member__org_id"])
        if target is not None:
            target.by_kind[by_kind["kind"]] += by_kind["n"]

    total = CoverageRow(org=org)
    children = [CoverageRow(org=o) for o in orgs if o.parent_id == org.pk]
    by_path = [(c.org.path, c) for c in children]
    own = CoverageRow(org=org)
    rolled: dict[str, CoverageRow] = defaultdict(lambda: CoverageRow(org=org))
    for o in orgs:
        row = per_org[o.pk]
        total.add(row)
        child = next((c for p, c in by_path if o.path.startswith(p)), None)
        if child is not None:
            child.add(row)
        else:
            own.add(row)
        # A branch's own lectures and those of its party groups' members.
        branch = _branch_path(o)
        if branch is not None:
            rolled[branch].add(row)
    if own.members:
        children.insert(0, own)
    silent = [
        o for o in orgs if o.kind == OrgKind.BRANCH and sum(rolled[o.path].by_kind.values()) == 0
    ]
    secretaries = list(
        Role.objects.filter(
            subtree_q([org.path], field="org__path"),
            kind=RoleKind.SECRETARY,
            org__kind=OrgKind.BRANCH,
        )
        .annotate(
            has_spoken=Exists(Lecture.objects.filter(in_year, member__user_id=OuterRef("user_id")))
        )
        .filter(has_spoken=False)
        .select_related("user", "org")
        .order_by("org__path", "user__name")
    )
    return Coverage(
        org=org,
        year=year,
        total=total,
        children=children,
        silent_branches=silent,
        silent_secretaries=secretaries,
    )


def _branch_path(o: Org) -> str | None:
    """The path of the 党支部 the org is (or lies under: a party group)."""
    if o.kind == OrgKind.BRANCH:
        return o.path
    if o.kind == OrgKind.GROUP and len(o.path) > paths.SEGMENT:
        return o.path[: -paths.SEGMENT]
    return None


def member_lectures(org: Org, year: int) -> list[tuple[Member, list[Lecture]]]:
    """A branch's members, each with their lectures of the year (the drill-down's last
    level), in two queries."""
    first, last = year_bounds(year)
    members = list(
        Member.objects.filter(org=org).select_related("user", "group").order_by("user__name")
    )
    lectures: dict[int, list[Lecture]] = defaultdict(list)
    for lecture in Lecture.objects.filter(
        member__org=org, given_on__gte=first, given_on__lte=last
    ).order_by("given_on", "id"):
        lectures[lecture.member_id].append(lecture)
    return [(m, lectures.get(m.pk, [])) for m in members]


def current_year() -> int:
    return timezone.localdate().year
