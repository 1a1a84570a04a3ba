"""The demo county 青山县: a fictional, deterministic county for `seed_demo`, tests and
benchmarks.

Planning is plain Python driven by a fixed seed (`plan_county`), so the same arguments give
the same county; writing (`seed_county`) is a handful of bulk INSERTs in one transaction.
The org tree does not depend on the member count, and dates are drawn so that `today` only
shifts them, never changes which names, codes or ID numbers come out.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import secrets
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.services import OrgSpec, org_tree_bulk_create
from xianfeng.people.enums import Education, Gender, MemberStatus
from xianfeng.people.idcard import check_digit
from xianfeng.people.models import Member, User

SEED = 2026
DEFAULT_MEMBERS = 5000
PASSWORD = "xianfeng2026"
COUNTY = "青山县"
ROOT = "QS"
# A code no real county has (3607xx is 赣州; there is no 99), so no generated ID number can
# be a real person's.
AREA_CODE = "360799"
BATCH = 2000


@dataclass(frozen=True)
class Persona:
    """A fixed demo account with a known password (printed by seed_demo and the README)."""

    username: str
    name: str
    phone: str
    title: str
    place: str
    role: str | None = None
    role_org: str | None = None
    member_org: str | None = None
    home_org: str | None = None
    gender: str = Gender.MALE
    position: str = ""
    born: datetime.date | None = None


# Codes of the orgs the personas sit in; the tree below always builds them with these names.
TOWN_1 = "QS01"
VILLAGE_SECRETARY = "QS01001"  # 东街社区党支部, a plain branch
VILLAGE_SITE = "QS01002"  # 柳湾村党支部, a plain branch
ORGAN_JUDGE = "QSJG03"  # 县委宣传部机关党支部

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "county_admin", "陈立新", "13900000001", "县委组织部管理员", "青山县委",
        role=RoleKind.ADMIN, role_org=ROOT,
    ),
    Persona(
        "town_admin", "刘建华", "13900000002", "镇党委管理员", "城关镇党委",
        role=RoleKind.ADMIN, role_org=TOWN_1,
    ),
    Persona(
        "secretary", "王秀兰", "13900000003", "党支部书记", "城关镇东街社区党支部",
        role=RoleKind.SECRETARY, role_org=VILLAGE_SECRETARY, member_org=VILLAGE_SECRETARY,
        gender=Gender.FEMALE, position="书记", born=datetime.date(1976, 3, 12),
    ),
    Persona(
        "judge", "李文博", "13900000004", "评委", "青山县委（县委宣传部机关党支部党员）",
        role=RoleKind.JUDGE, role_org=ROOT, member_org=ORGAN_JUDGE,
        born=datetime.date(1981, 8, 8),
    ),
    Persona(
        "site_admin", "赵志强", "13900000005", "远程教育站点管理员", "城关镇柳湾村党支部",
        role=RoleKind.SITE_ADMIN, role_org=VILLAGE_SITE, member_org=VILLAGE_SITE,
        born=datetime.date(1988, 5, 20),
    ),
    Persona(
        "member", "张小红", "13900000006", "普通党员", "城关镇东街社区党支部",
        member_org=VILLAGE_SECRETARY, gender=Gender.FEMALE, born=datetime.date(1995, 10, 1),
    ),
    Persona(
        "resident", "孙桂芳", "13900000007", "群众", "城关镇柳湾村（无党员身份）",
        home_org=VILLAGE_SITE, gender=Gender.FEMALE,
    ),
)  # fmt: skip

PERSONA_MEMBERS = sum(1 for p in PERSONAS if p.member_org)


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal columns: a Chinese character takes two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def persona_table() -> str:
    """The personas as a plain-text table, for the command's output and `make run`."""
    widths = (14, 13, 8, 20)
    rows = [("用户名", "手机号", "姓名", "身份", "所在组织")]
    rows += [(p.username, p.phone, p.name, p.title, p.place) for p in PERSONAS]
    lines = [f"演示账号（密码均为 {PASSWORD}，用户名或手机号均可登录）："]
    for row in rows:
        lines.append(
            "  " + "".join(_pad(c, w) for c, w in zip(row, widths, strict=False)) + row[-1]
        )
    return "\n".join(lines)


# --- names ----------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common surnames with rough weights (per mille, after the 2020 census).
_SURNAMES = _words(
    "王71 李70 张66 刘54 陈46 杨31 黄25 赵23 吴21 周21 徐17 孙15 马15 朱13 胡13 郭12 何12 "
    "林11 高11 罗10 郑9 梁9 谢8 宋7 唐7 许7 韩6 冯6 邓6 曹6 彭6 曾6 肖5 田5 董5 袁5 潘4 "
    "于4 蒋4 蔡4 余4 杜4 叶4 程4 苏3 魏3 吕3 丁3 任3 沈3 姚3 卢3 姜3 崔2 钟2 谭2 陆2 汪2 "
    "范2 金2 石2 廖2 贾2 夏2 韦2 付2 方2 白2 邹2 孟2 熊2 秦2 邱2 江2 尹2 薛2 闫1 段1 雷1 "
    "侯1 龙1 史1 陶1 黎1 贺1 顾1 毛1 郝1 龚1 邵1 万1 钱1 严1 武1 戴1 莫1 孔1 向1 汤1 欧阳1"
)
SURNAMES = tuple(s.rstrip("0123456789") for s in _SURNAMES)
SURNAME_WEIGHTS = tuple(int(s[len(n) :]) for s, n in zip(_SURNAMES, SURNAMES, strict=True))

# Given-name characters by gender and birth cohort: naming fashions change with the times.
_GIVEN = {
    (Gender.MALE, 1960): (
        "建国志德福贵明华军平勇忠文永春根水金宝荣海山林昌庆兴家发祥才长元正光友成立新学生"
        "仁义保全安和顺富红卫东方跃进"
    ),
    (
        Gender.MALE,
        1980,
    ): "建国志伟军强明华勇斌刚涛平辉林峰波海东红卫兵新文杰俊磊鹏洪云亮春晓永忠锋宏",
    (Gender.MALE, 1995): "伟磊涛杰鹏强军勇斌超浩宇健明辉刚峰飞波亮俊帅龙凯鑫阳晨博文林旭坤彬毅",
    (Gender.MALE, 9999): "浩宇子轩泽睿晨博俊杰豪铭然宸阳一鑫涵昊哲航瑞逸凯文嘉家奕思祺",
    (Gender.FEMALE, 1960): "秀英兰桂珍芳玉凤华梅春淑荣琴云莲翠花菊香霞金银月素美巧彩冬爱",
    (Gender.FEMALE, 1980): "丽红燕霞敏玲芳静华萍艳梅琴英娟慧莉群雪云春晓秀兰凤",
    (Gender.FEMALE, 1995): "婷丽静敏燕丹娟艳倩芳琳颖莉洁蕾雪晶娜慧佳欢月薇悦璐琪",
    (Gender.FEMALE, 9999): "欣怡梓涵诗雨萱思佳可晨悦琪妍雅梦若婉语菲瑶馨彤",
}

_ETHNICITIES = (
    ("汉族", 930), ("畲族", 20), ("回族", 10), ("壮族", 8), ("苗族", 8), ("土家族", 7),
    ("满族", 6), ("瑶族", 5), ("蒙古族", 3), ("侗族", 3),
)  # fmt: skip
ETHNICITIES = tuple(e for e, _ in _ETHNICITIES)
ETHNICITY_WEIGHTS = tuple(w for _, w in _ETHNICITIES)

# Where the county's migrant members (流动党员) work.
_MOBILE_PLACES = (
    ("广东省深圳市", 18), ("广东省东莞市", 14), ("广东省广州市", 10), ("广东省佛山市", 6),
    ("浙江省杭州市", 8), ("浙江省宁波市", 6), ("浙江省义乌市", 5), ("上海市", 8),
    ("江苏省苏州市", 6), ("福建省厦门市", 5), ("福建省泉州市", 4), ("江西省南昌市", 6),
    ("湖南省长沙市", 3), ("北京市", 3), ("湖北省武汉市", 2), ("四川省成都市", 1),
)  # fmt: skip
MOBILE_PLACES = tuple(p for p, _ in _MOBILE_PLACES)
MOBILE_WEIGHTS = tuple(w for _, w in _MOBILE_PLACES)

_PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
    "173 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199"
)

# Education by birth cohort (upper bound of birth year → weights in Education order:
# postgraduate, bachelor, college, secondary, high, junior, primary).
_EDUCATION_BY_COHORT = (
    (1954, (0, 2, 4, 6, 18, 35, 35)),
    (1964, (0, 4, 8, 10, 25, 35, 18)),
    (1974, (1, 10, 16, 14, 22, 30, 7)),
    (1984, (2, 22, 24, 12, 16, 22, 2)),
    (1994, (5, 38, 30, 8, 9, 10, 0)),
    (9999, (8, 52, 30, 4, 4, 2, 0)),
)
EDUCATIONS = (
    Education.POSTGRADUATE,
    Education.BACHELOR,
    Education.COLLEGE,
    Education.SECONDARY,
    Education.HIGH,
    Education.JUNIOR,
    Education.PRIMARY,
)
# Cadres and teachers are better schooled than the county at large.
_EDUCATION_LIFT = {
    "agency": (3, 3, 2, 1, 0.4, 0.2, 0.1),
    "school": (3, 4, 2, 0.5, 0.2, 0.1, 0.05),
    "company": (1, 1.3, 1.5, 1.5, 1, 0.8, 0.5),
}

# Birth decades (1940s … 2000–2003) by kind of branch.
_DECADE_WEIGHTS = {
    "village": (16, 22, 22, 16, 12, 9, 3),
    "community": (12, 18, 20, 18, 15, 13, 4),
    "agency": (2, 6, 14, 24, 26, 23, 5),
    "school": (1, 5, 14, 24, 28, 23, 5),
    "company": (0, 1, 8, 22, 32, 30, 7),
}
_DECADES = (1940, 1950, 1960, 1970, 1980, 1990, 2000)

# random.choices with cum_weights skips summing the weights on each of ~250,000 draws.
_SURNAME_CUM = tuple(accumulate(SURNAME_WEIGHTS))
_ETHNICITY_CUM = tuple(accumulate(ETHNICITY_WEIGHTS))
_MOBILE_CUM = tuple(accumulate(MOBILE_WEIGHTS))
_DECADE_CUM = {profile: tuple(accumulate(w)) for profile, w in _DECADE_WEIGHTS.items()}
_COHORTS = tuple(upper for upper, _ in _EDUCATION_BY_COHORT)
_EDUCATION_CUM = {
    profile: [
        tuple(accumulate(w * f for w, f in zip(weights, lift, strict=True)))
        for _, weights in _EDUCATION_BY_COHORT
    ]
    for profile in _DECADE_WEIGHTS
    for lift in [_EDUCATION_LIFT.get(profile, (1,) * len(EDUCATIONS))]
}

# --- places ---------------------------------------------------------------------------------

_TOWN_NAMES = _words(
    "石门 白沙 龙潭 黄坳 高桥 杨村 枫林 清溪 桃源 梅岭 青石 金竹 双江 马田 大坪 长岭 新田 "
    "花桥 水口 凤岗 麻田 古城 横江 东山 洪门 官庄 茶园 沙坪"
)
_STREET_NAMES = _words("江滨 城东 凤凰 文峰 紫阳")
_VILLAGE_HEADS = (
    "东西南北上下前后大小新老高长石柳杨桃梅竹松枫樟桂荷莲黄白青红金银马牛龙凤鹤仙云双三五九"
    "古官罗陈刘李王张谢曾彭邓肖钟朱胡余廖"
)
_VILLAGE_TAILS = "坪坑塘湾岭溪田冲口桥源山坝岗坊垅坳埠洲湖畈陂圩家庄铺亭寨岩坡港潭园林峰背头坵墩"
_COMMUNITY_NAMES = _words(
    "人民 建设 解放 胜利 和平 朝阳 新华 文化 东门 西门 南门 北门 城南 城北 滨江 江南 育才 "
    "光明 幸福 团结 龙泉 桂花 翠竹 学府 新城 锦绣 春晖 振兴 康宁 怡园 府前 双井 东湖 西湖 "
    "花园 汇通 迎宾 望江 广场 南湖"
)
_ORDINALS = "一二三四五六七八九十"

_ORGANS = (
    ("县委办公室", 70), ("县委组织部", 60), ("县委宣传部", 55), ("县人民政府办公室", 80),
    ("县发展和改革委员会", 70), ("县财政局", 90), ("县公安局", 220), ("县人民法院", 120),
    ("县人民检察院", 90), ("县卫生健康委员会", 150), ("县农业农村局", 110),
    ("县自然资源局", 100), ("县住房和城乡建设局", 90), ("县市场监督管理局", 130),
    ("县人力资源和社会保障局", 80),
)  # fmt: skip
_SCHOOLS = (
    ("青山县第一中学", 90), ("青山县第二中学", 70), ("青山县实验中学", 60),
    ("青山县城关中学", 50), ("青山县实验小学", 55), ("青山县城关第一小学", 40),
    ("青山县城关第二小学", 35), ("青山县职业中等专业学校", 45), ("青山县{town}中学", 30),
    ("青山县特殊教育学校", 15),
)  # fmt: skip
_COMPANY_HEADS = _words(
    "宏达 金源 恒信 华兴 鑫泰 绿源 富民 远航 天成 佳和 明辉 兴旺 润丰 嘉禾 瑞丰"
)
_COMPANY_TRADES = _words(
    "建材 矿业 食品 纺织 电子 物流 农业开发 茶业 竹木制品 新能源 医药 服装 稀土新材料"
)

POSITION_ROLES = {
    "书记": RoleKind.SECRETARY,
    "组织委员": RoleKind.ORGANIZER,
    "宣传委员": RoleKind.PROPAGANDA,
}


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


def _unusable_password() -> str:
    # What make_password(None) stores, minus its 40 secrets.choice calls per user.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def seed_county(
    *, members: int = DEFAULT_MEMBERS, today: datetime.date | None = None, seed: int = SEED
) -> SeedReport:
    """Write the demo county into an empty database, in one transaction of bulk INSERTs."""
    started = time.perf_counter()
    plan = plan_county(members=members, today=today, seed=seed)
    now = timezone.now()
    # One Argon2 hash for every persona: their password is published, so separate salts
    # would protect nothing, and each hash costs a quarter of a second here.
    persona_hash = make_password(PASSWORD, hasher="argon2")
    with transaction.atomic():
        orgs = org_tree_bulk_create(actor=None, specs=plan.orgs)
        org_id = {code: org.pk for code, org in orgs.items()}
        users = [
            User(
                username=p.username,
                name=p.name,
                phone=p.phone,
                password=persona_hash if p.persona else _unusable_password(),
                date_joined=now,
            )
            for p in plan.people
        ]
        users += [
            User(
                username=p.username,
                name=p.name,
                phone=p.phone,
                password=persona_hash,
                home_org_id=org_id[p.home_org] if p.home_org else None,
                date_joined=now,
            )
            for p in PERSONAS
            if not p.member_org
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        user_id = {u.username: u.pk for u in users}
        if any(pk is None for pk in user_id.values()):  # pragma: no cover - ids come back
            user_id = dict(
                User.objects.filter(username__in=list(user_id)).values_list("username", "pk")
            )
        rows = [
            Member(
                user_id=user_id[p.username],
                org_id=org_id[p.org_code],
                group_id=org_id[p.group_code] if p.group_code else None,
                gender=p.gender,
                ethnicity=p.ethnicity,
                birth_date=p.birth_date,
                education=p.education,
                id_number=p.id_number,
                joined_on=p.joined_on,
                confirmed_on=p.confirmed_on,
                status=p.status,
                is_mobile=p.is_mobile,
                mobile_place=p.mobile_place,
                position=p.position,
            )
            for p in plan.people
        ]
        Member.objects.bulk_create(rows, batch_size=BATCH)
        roles = [
            Role(user_id=user_id[username], org_id=org_id[code], kind=kind)
            for username, code, kind in plan.roles
        ]
        Role.objects.bulk_create(roles, batch_size=BATCH)
        report = SeedReport(
            orgs=len(orgs),
            users=len(users),
            members=len(rows),
            roles=len(roles),
        )
        audit_log(
            actor=None,
            action="demo.seed",
            obj=orgs[ROOT],
            org=orgs[ROOT],
            data={"orgs": report.orgs, "users": report.users, "members": report.members,
                  "roles": report.roles, "personas": [p.username for p in PERSONAS]},
        )  # fmt: skip
    return replace(report, seconds=time.perf_counter() - started)


def county_digest() -> str:
    """A digest of what identifies the seeded county (codes, names, numbers; never ids), to
    check that two runs wrote the same thing."""
    queries: list[QuerySet[Any, Any]] = [
        Org.objects.order_by("code").values_list(
            "code", "name", "kind", "region", "parent__code", "sort_order", "depth"
        ),
        Member.objects.order_by("user__username").values_list(
            "user__username", "user__name", "user__phone", "org__code", "group__code", "gender",
            "ethnicity", "birth_date", "education", "id_number", "joined_on", "confirmed_on",
            "status", "is_mobile", "mobile_place", "position",
        ),
        Role.objects.order_by("user__username", "org__code", "kind").values_list(
            "user__username", "org__code", "kind"
        ),
        User.objects.order_by("username").values_list("username", "phone", "home_org__code"),
    ]  # fmt: skip
    digest = hashlib.sha256()
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
    return digest.hexdigest()
