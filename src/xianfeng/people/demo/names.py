"""The personas and the tables the demo county draws from: names, places, schools and
companies, education by birth cohort."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

from xianfeng.orgs.enums import RoleKind
from xianfeng.people.enums import Education, Gender

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
