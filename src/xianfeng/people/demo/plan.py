"""Planning the demo county: its org tree and its people, deterministic for a seed."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.services import OrgSpec
from xianfeng.people.demo.names import (
    _COHORTS,
    _COMMUNITY_NAMES,
    _COMPANY_HEADS,
    _COMPANY_TRADES,
    _DECADE_CUM,
    _DECADES,
    _EDUCATION_CUM,
    _ETHNICITY_CUM,
    _GIVEN,
    _MOBILE_CUM,
    _ORDINALS,
    _ORGANS,
    _PHONE_PREFIXES,
    _SCHOOLS,
    _STREET_NAMES,
    _SURNAME_CUM,
    _TOWN_NAMES,
    _VILLAGE_HEADS,
    _VILLAGE_TAILS,
    AREA_CODE,
    DEFAULT_MEMBERS,
    EDUCATIONS,
    ETHNICITIES,
    MOBILE_PLACES,
    PERSONA_MEMBERS,
    PERSONAS,
    POSITION_ROLES,
    ROOT,
    SEED,
    SURNAMES,
    VILLAGE_SECRETARY,
    VILLAGE_SITE,
    Persona,
)
from xianfeng.people.enums import Gender, MemberStatus
from xianfeng.people.idcard import check_digit


@dataclass(frozen=True)
class BranchPlan:
    """A 党支部 members are registered in, with its groups and how big it tends to be."""

    code: str
    profile: str  # village, community, agency, school, company: drives the distributions
    weight: int
    groups: tuple[str, ...]
    general: str | None = None  # the 党总支 above it, if any
    clans: tuple[str, ...] = ()  # a village's big family names


@dataclass(slots=True)
class PersonPlan:
    """One member (or persona) as plain values, before it becomes a User and a Member."""

    username: str
    name: str
    phone: str | None
    gender: str
    ethnicity: str
    birth_date: datetime.date
    education: str
    id_number: str
    joined_on: datetime.date
    confirmed_on: datetime.date | None
    status: str
    is_mobile: bool
    mobile_place: str
    org_code: str
    group_code: str | None
    position: str = ""
    persona: bool = False


@dataclass
class CountyPlan:
    orgs: list[OrgSpec]
    branches: list[BranchPlan]
    people: list[PersonPlan]
    roles: list[tuple[str, str, str]]  # (username, org code, role kind)


@dataclass(frozen=True)
class SeedReport:
    orgs: int
    users: int
    members: int
    roles: int
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.orgs + self.users + self.members + self.roles


# --- the tree -------------------------------------------------------------------------------


class _Names:
    """Hands out place names, never the same one twice in the county."""

    def __init__(self, rng: random.Random, taken: Iterable[str] = ()) -> None:
        self.rng = rng
        self.taken = set(taken)

    def village(self) -> str:
        while True:
            head, tail = self.rng.choice(_VILLAGE_HEADS), self.rng.choice(_VILLAGE_TAILS)
            if head == tail:
                continue
            name = head + tail
            if self.rng.random() < 0.18:
                name = self.rng.choice("上下新老大小") + name
            if name not in self.taken:
                self.taken.add(name)
                return name

    def community(self) -> str:
        free = [n for n in _COMMUNITY_NAMES if n not in self.taken]
        name = self.rng.choice(free) if free else self.village()
        self.taken.add(name)
        return name


def _groups(rng: random.Random, specs: list[OrgSpec], branch: OrgSpec) -> tuple[str, ...]:
    codes = []
    for n in range(1, rng.randint(2, 4) + 1):
        code = f"{branch.code}G{n}"
        specs.append(
            OrgSpec(
                code, f"第{_ORDINALS[n - 1]}党小组", OrgKind.GROUP, branch.region, branch.code, n
            )
        )
        codes.append(code)
    return tuple(codes)


def _village_size(rng: random.Random) -> int:
    return max(15, min(240, round(rng.lognormvariate(3.8, 0.55))))  # median ≈ 45


def plan_orgs(rng: random.Random) -> tuple[list[OrgSpec], list[BranchPlan]]:
    """The county's org tree: towns and villages, 两新, schools and county organs."""
    specs = [OrgSpec(ROOT, "青山县委", OrgKind.COMMITTEE, Region.COUNTY, None)]
    branches: list[BranchPlan] = []
    names = _Names(rng, taken=["东街", "柳湾"])

    def branch(code: str, name: str, region: str, parent: str, order: int, **plan: Any) -> OrgSpec:
        spec = OrgSpec(code, name, OrgKind.BRANCH, region, parent, order)
        specs.append(spec)
        branches.append(BranchPlan(code=code, groups=_groups(rng, specs, spec), **plan))
        return spec

    towns = rng.sample(_TOWN_NAMES, 12)
    streets = rng.sample(_STREET_NAMES, 2)
    # 城关镇 first (the personas live there), two 街道, ten 镇 and two 乡.
    layout = [("城关", "城关镇", OrgKind.COMMITTEE)]
    layout += [(s, f"{s}街道", OrgKind.WORKING_COMMITTEE) for s in streets]
    layout += [(t, f"{t}镇", OrgKind.COMMITTEE) for t in towns[:10]]
    layout += [(t, f"{t}乡", OrgKind.COMMITTEE) for t in towns[10:]]
    names.taken.update(stem for stem, _, _ in layout)
    for t, (stem, town, kind) in enumerate(layout, start=1):
        town_code = f"{ROOT}{t:02d}"
        suffix = "党工委" if kind == OrgKind.WORKING_COMMITTEE else "党委"
        specs.append(OrgSpec(town_code, town + suffix, kind, Region.TOWN, ROOT, t))
        branch(
            f"{town_code}JG", f"{town}机关党支部", Region.AGENCY, town_code, 0,
            profile="agency", weight=rng.randint(40, 90),
        )  # fmt: skip
        villages = rng.randint(17, 23)
        if kind == OrgKind.WORKING_COMMITTEE:
            communities = villages - 3
        elif t == 1:
            communities = 6
        else:
            communities = 1
        for v in range(1, villages + 1):
            code = f"{town_code}{v:03d}"
            if code == VILLAGE_SECRETARY:
                place, community, size = "东街社区", True, 60
            elif code == VILLAGE_SITE:
                place, community, size = "柳湾村", False, 45
            else:
                community = v <= communities
                if community and communities == 1:
                    place = f"{stem}社区"  # the community at the seat of a rural town
                elif community:
                    place = names.community() + "社区"
                else:
                    place = names.village() + "村"
                size = _village_size(rng)
            profile = "community" if community else "village"
            clans = tuple(rng.sample(SURNAMES[:40], rng.randint(1, 2)))
            if size < 90 or code in (VILLAGE_SECRETARY, VILLAGE_SITE):
                branch(
                    code, f"{place}党支部", Region.VILLAGE, town_code, v,
                    profile=profile, weight=size, clans=clans,
                )  # fmt: skip
                continue
            # A big village has a 党总支 over two or three branches.
            specs.append(
                OrgSpec(
                    code, f"{place}党总支", OrgKind.GENERAL_BRANCH, Region.VILLAGE, town_code, v
                )
            )
            parts = 2 if size < 150 else 3
            for b in range(1, parts + 1):
                branch(
                    f"{code}B{b}", f"{place}第{_ORDINALS[b - 1]}党支部", Region.VILLAGE, code, b,
                    profile=profile, weight=size // parts, general=code, clans=clans,
                )  # fmt: skip

    # The county's working committees: 两新 (companies), 教育 (schools), 机关 (organs).
    companies = [
        (f"青山{head}{trade}有限公司", rng.randint(15, 60))
        for head, trade in zip(
            rng.sample(_COMPANY_HEADS, 10), rng.sample(_COMPANY_TRADES, 10), strict=True
        )
    ]
    schools = [(school.format(town=towns[0]), weight) for school, weight in _SCHOOLS]
    committees = (
        ("QSLX", "青山县委两新工委", Region.COMPANY, "company", companies),
        ("QSJY", "青山县委教育工委", Region.SCHOOL, "school", schools),
        ("QSJG", "青山县直机关工委", Region.AGENCY, "agency", list(_ORGANS)),
    )
    for order, (code, name, region, profile, units) in enumerate(committees, len(layout) + 1):
        specs.append(OrgSpec(code, name, OrgKind.WORKING_COMMITTEE, region, ROOT, order))
        for n, (unit, weight) in enumerate(units, start=1):
            branch(
                f"{code}{n:02d}", f"{unit}机关党支部" if profile == "agency" else f"{unit}党支部",
                region, code, n, profile=profile, weight=weight,
            )  # fmt: skip
    return _founding_dates(rng, specs), branches


def _founding_dates(rng: random.Random, specs: list[OrgSpec]) -> list[OrgSpec]:
    """成立日期: the county and towns long ago, branches over the decades, and a few
    branches founded this spring (they owe only the months since)."""
    this_year = datetime.date.today().year
    dated = []
    for spec in specs:
        if spec.kind in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE):
            founded = datetime.date(rng.choice([1949, 1956, 1958, 1984]), 10, 1)
        elif rng.random() < 0.02:
            founded = datetime.date(this_year, rng.randint(3, 6), rng.randint(1, 28))
        else:
            founded = datetime.date(rng.randint(1985, this_year - 2), rng.randint(1, 12), 1)
        dated.append(replace(spec, founded_on=founded))
    return dated


# --- people ---------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return datetime.date(day.year + years, 3, 1)


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to `weights` exactly (largest remainder, integers only)."""
    whole = sum(weights)
    counts = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _People:
    """Draws believable members; keeps phone and ID numbers unique."""

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        self.phones = {p.phone for p in PERSONAS}
        self.ids: set[str] = set()
        self.usernames = (f"m{n:06d}" for n in range(1, 10**9))

    def name(self, gender: str, born: int, clans: tuple[str, ...]) -> str:
        rng = self.rng
        if clans and rng.random() < 0.35:
            surname = rng.choice(clans)
        else:
            surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
        cohort = next(c for c in (1960, 1980, 1995, 9999) if born < c)
        chars = _GIVEN[(Gender(gender), cohort)]
        first = rng.choice(chars)
        single = rng.random() < (0.45 if 1975 <= born < 1995 else 0.25)
        if single or (len(surname) == 2 and rng.random() < 0.5):
            return surname + first
        second = rng.choice(chars)
        if second == first and not (gender == Gender.FEMALE and born >= 1980):
            second = rng.choice(chars)
        return surname + first + second

    def phone(self) -> str:
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self, born: datetime.date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
            body = f"{AREA_CODE}{born:%Y%m%d}{sequence:03d}"
            if sequence and body not in self.ids:
                self.ids.add(body)
                return body + check_digit(body)

    def person(
        self,
        branch: BranchPlan,
        *,
        username: str | None = None,
        gender: str | None = None,
        born: datetime.date | None = None,
    ) -> PersonPlan:
        """A member of `branch`; a persona passes its username, gender and birth date."""
        rng, today = self.rng, self.today
        decade = rng.choices(_DECADES, cum_weights=_DECADE_CUM[branch.profile])[0]
        year = min(decade + rng.randrange(10), 2003)
        drawn_born = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        born = born or drawn_born
        year = born.year
        male_share = 0.8 if year < 1960 else 0.72 if year < 1975 else 0.6 if year < 1990 else 0.5
        if branch.profile == "village":
            male_share += 0.06
        drawn_gender = Gender.MALE if rng.random() < male_share else Gender.FEMALE
        gender = gender or drawn_gender
        cohort = next(i for i, upper in enumerate(_COHORTS) if year <= upper)
        education = rng.choices(EDUCATIONS, cum_weights=_EDUCATION_CUM[branch.profile][cohort])[0]
        ethnicity = rng.choices(ETHNICITIES, cum_weights=_ETHNICITY_CUM)[0]

        # Dates: `today` only enters arithmetic, never the number of draws.
        earliest = _add_years(born, 18)
        probation_odds = 0.1 if year >= 1985 else 0.025 if year >= 1970 else 0.002
        probationary = rng.random() < probation_odds and username is None
        years_after_18, spread, back = (
            rng.triangular(0, 35, 5),
            rng.random(),
            rng.randrange(10, 350),
        )
        if probationary and earliest <= today - datetime.timedelta(days=back):
            joined = today - datetime.timedelta(days=back)
            confirmed, status = None, MemberStatus.PROBATIONARY
        else:
            latest = _add_years(today, -1) - datetime.timedelta(days=30)
            joined = earliest + datetime.timedelta(days=int(years_after_18 * 365.25))
            if joined > latest:
                joined = earliest + datetime.timedelta(days=int((latest - earliest).days * spread))
            confirmed, status = _add_years(joined, 1), MemberStatus.FULL

        working_age = 1966 <= year <= 2001
        mobile_odds = 0.11 if branch.profile == "village" and working_age else 0.005
        is_mobile = rng.random() < mobile_odds and username is None
        place = rng.choices(MOBILE_PLACES, cum_weights=_MOBILE_CUM)[0]
        without_phone = 0.45 if year < 1955 else 0.15 if year < 1965 else 0.02
        has_phone = rng.random() >= without_phone
        group = rng.choice(branch.groups) if branch.groups and rng.random() < 0.92 else None
        return PersonPlan(
            username=username or next(self.usernames),
            name=self.name(gender, year, branch.clans),
            phone=self.phone() if has_phone else None,
            gender=gender,
            ethnicity=ethnicity,
            birth_date=born,
            education=education,
            id_number=self.id_number(born, gender),
            joined_on=joined,
            confirmed_on=confirmed,
            status=status,
            is_mobile=is_mobile,
            mobile_place=place if is_mobile else "",
            org_code=branch.code,
            group_code=group,
        )


def _titles(size: int) -> list[str]:
    """Branch officers by size: under seven members no 支委会 is elected, only a 书记."""
    if size >= 25:
        return ["书记", "副书记", "组织委员", "宣传委员", "纪检委员"]
    if size >= 7:
        return ["书记", "组织委员", "宣传委员", "纪检委员"]
    return ["书记"] if size else []


def plan_county(
    *, members: int = DEFAULT_MEMBERS, today: datetime.date | None = None, seed: int = SEED
) -> CountyPlan:
    """The whole county as plain values: orgs, members (personas included) and roles."""
    if members < PERSONA_MEMBERS:
        raise ValueError(f"至少需要 {PERSONA_MEMBERS} 名党员（演示账号中的党员）")
    today = today or datetime.date.today()
    specs, branches = plan_orgs(random.Random(seed))
    rng = random.Random(seed + 1)
    draw = _People(rng, today)
    counts = _allocate(members - PERSONA_MEMBERS, [b.weight for b in branches])
    persona_members: dict[str, list[Persona]] = {}
    for persona in PERSONAS:
        if persona.member_org:
            persona_members.setdefault(persona.member_org, []).append(persona)

    people: list[PersonPlan] = []
    roles: list[tuple[str, str, str]] = [
        (p.username, p.role_org, p.role) for p in PERSONAS if p.role and p.role_org
    ]
    by_general: dict[str, list[PersonPlan]] = {}
    for branch, count in zip(branches, counts, strict=True):
        crowd = []
        for persona in persona_members.get(branch.code, []):
            person = draw.person(
                branch, username=persona.username, gender=persona.gender, born=persona.born
            )
            person.name, person.phone = persona.name, persona.phone
            person.position, person.persona = persona.position, True
            crowd.append(person)
        crowd += [draw.person(branch) for _ in range(count)]
        held = {p.position for p in crowd if p.position}
        titles = [t for t in _titles(len(crowd)) if t not in held]
        ordinary = [p for p in crowd if not p.persona]
        officers = [p for p in ordinary if 1956 <= p.birth_date.year <= 1998 and p.confirmed_on]
        if len(officers) < len(titles):
            officers = ordinary
        for title, person in zip(
            titles, rng.sample(officers, min(len(titles), len(officers))), strict=False
        ):
            person.position = title
            if title in POSITION_ROLES:
                roles.append((person.username, branch.code, POSITION_ROLES[title]))
        if branch.general:
            by_general.setdefault(branch.general, []).extend(crowd)
        people += crowd
    for general, crowd in by_general.items():
        free = [p for p in crowd if not p.position and not p.persona and p.confirmed_on]
        if free:
            chief = rng.choice(free)
            chief.position = "党总支书记"
            roles.append((chief.username, general, RoleKind.SECRETARY))
    return CountyPlan(orgs=specs, branches=branches, people=people, roles=roles)


# --- writing --------------------------------------------------------------------------------
