"""Demo content for `seed_demo`: a 点亮微心愿 campaign in the persona's town with a month
of wishes entered by village cadres and residents, claimed by members and branches,
fulfilled with photos and confirmed — all through the services, dated over the month —
so `make run` shows a live wall, a campaign with a leaderboard, a wish for the resident
persona to confirm, a claim in the member persona's hands and wishes for the secretary to
review."""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

from django.utils import timezone
from PIL import Image, ImageDraw

from xianfeng.community import services
from xianfeng.community.enums import WishCategory
from xianfeng.community.models import Wish
from xianfeng.community.services import Upload
from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import Member, User

TOWN = "QS01"


@dataclass(frozen=True)
class Idea:
    category: str
    title: str
    detail: str
    value: int
    done: str
    thanks: str


IDEAS = [
    Idea(
        WishCategory.STUDY,
        "给上三年级的孙子买一个新书包",
        "孩子父母在外打工，旧书包背带断了。",
        120,
        "买了书包和一套文具，送到家里。",
        "孩子高兴坏了，谢谢党员同志！",
    ),
    Idea(
        WishCategory.STUDY,
        "想要一套小学课外读物",
        "孩子喜欢看书，家里没有课外书。",
        150,
        "送去《十万个为什么》等 12 本书。",
        "谢谢，孩子天天捧着看。",
    ),
    Idea(
        WishCategory.ELDERLY,
        "陪老人去县医院复查一次",
        "腿脚不便，子女在外地。",
        0,
        "开车陪同到县人民医院完成复查。",
        "麻烦你们跑了一整天，感谢！",
    ),
    Idea(
        WishCategory.ELDERLY,
        "冬天想要一床厚棉被",
        "老房子冬天冷，被子薄。",
        200,
        "送去一床 8 斤棉被和一条电热毯。",
        "晚上暖和多了。",
    ),
    Idea(
        WishCategory.REPAIR,
        "修一下漏水的屋顶",
        "下雨天厨房一直漏水。",
        300,
        "党员突击队上房换了 20 片瓦。",
        "再也不怕下雨了，谢谢！",
    ),
    Idea(
        WishCategory.REPAIR,
        "换一个坏了的厨房水龙头",
        "水龙头关不紧，一直滴水。",
        60,
        "换了新水龙头和进水软管。",
        "谢谢小伙子。",
    ),
    Idea(
        WishCategory.GOODS,
        "想要一台小电风扇",
        "夏天屋里闷热，老人怕热。",
        150,
        "送去一台落地扇并装好。",
        "感谢党组织关心。",
    ),
    Idea(
        WishCategory.GOODS,
        "添置一个电饭煲",
        "旧电饭煲坏了，做饭不方便。",
        180,
        "送去新电饭煲，教会了老人用预约功能。",
        "谢谢，做饭方便多了。",
    ),
    Idea(
        WishCategory.MEDICAL,
        "想要一个血压计",
        "高血压，想在家自己量。",
        160,
        "送去电子血压计，村医教了使用方法。",
        "每天都量，放心多了。",
    ),
    Idea(
        WishCategory.DISABLED,
        "想要一副新拐杖",
        "旧拐杖已经裂了。",
        90,
        "送去一副可调节的铝合金拐杖。",
        "走路稳当多了。",
    ),
    Idea(
        WishCategory.DISABLED,
        "家门口修一段无障碍坡道",
        "轮椅出门要人抬。",
        400,
        "用水泥砌了一段 3 米长的坡道。",
        "现在能自己出门晒太阳了。",
    ),
    Idea(
        WishCategory.JOBS,
        "帮忙找一份离家近的工作",
        "家里有老人要照顾，想在镇上做事。",
        0,
        "推荐到镇上的服装厂做质检，已上班。",
        "谢谢帮我找到工作。",
    ),
    Idea(
        WishCategory.OTHER,
        "教老人用智能手机视频通话",
        "想和外地的孙子视频。",
        0,
        "上门教了三次，已经会打视频电话了。",
        "天天能看到孙子了！",
    ),
    Idea(
        WishCategory.STUDY,
        "想要一盏护眼台灯",
        "孩子晚上写作业灯光暗。",
        100,
        "送去护眼台灯一盏。",
        "谢谢叔叔阿姨。",
    ),
    Idea(
        WishCategory.ELDERLY,
        "帮老人理一次发",
        "行动不便，出不了门。",
        0,
        "志愿者上门理发。",
        "精神多了，谢谢！",
    ),
    Idea(
        WishCategory.GOODS,
        "想要一个保温水壶",
        "晚上喝热水不方便。",
        50,
        "送去保温壶一个。",
        "谢谢关心。",
    ),
]
NAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "周",
    "吴",
    "徐",
    "孙",
    "胡",
    "朱",
    "高",
    "林",
]
CALLS = ["奶奶", "大爷", "阿姨", "叔叔", "婆婆", "爷爷"]
GIVEN = ["秀英", "桂兰", "德福", "建国", "玉珍", "长根", "春花", "国庆", "凤英", "来福"]
COLOURS = ["#c62828", "#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f"]


def _photo(rng: random.Random, caption: str) -> Upload:
    """A plain picture standing in for a phone photo."""
    image = Image.new("RGB", (640, 480), rng.choice(COLOURS))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 360, 600, 440), fill="white")
    draw.text((60, 390), caption.encode("ascii", "ignore").decode() or "photo", fill="black")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return Upload(handle=io.BytesIO(out.getvalue()), size=out.tell())


def _at(days_ago: float, hour: int) -> datetime.datetime:
    now = timezone.localtime()
    moment = now - datetime.timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _backdate(wish: Wish, when: datetime.datetime) -> None:
    Wish.objects.filter(pk=wish.pk).update(created_at=when)


def seed(rng: random.Random | None = None) -> str:
    """The registered seeder (common/demo.py)."""
    rng = rng or random.Random(2026)
    town = Org.objects.filter(code=TOWN).first()
    town_admin = User.objects.filter(username="town_admin").first()
    if town is None or town_admin is None:
        return "没有演示镇，未生成微心愿。"
    if Wish.objects.exists():
        return "微心愿已有数据，未重复生成。"
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=town_admin,
        org=town,
        title="点亮微心愿·温暖过冬",
        theme="结合 12 月主题党日，党员和支部认领困难群众的微心愿",
        starts_on=today - datetime.timedelta(days=25),
        ends_on=today + datetime.timedelta(days=35),
        target=60,
    )
    villages = list(
        Org.objects.filter(
            path__startswith=town.path, region=Region.VILLAGE, kind=OrgKind.BRANCH
        ).order_by("path")[:12]
    )
    secretaries = {
        r.org_id: r.user
        for r in Role.objects.filter(org__in=villages, kind=RoleKind.SECRETARY).select_related(
            "user"
        )
    }
    cadre_villages = [v for v in villages if v.pk in secretaries]
    members = list(
        Member.objects.filter(org__path__startswith=town.path)
        .exclude(user__username__in=["secretary", "member", "site_admin"])
        .select_related("user", "org")
        .order_by("pk")[:60]
    )
    if not cadre_villages or not members:
        return "演示镇缺少村社区书记或党员，未生成微心愿。"
    made = {"fulfilled": 0, "confirming": 0, "claimed": 0, "open": 0, "pending": 0}

    def entered(idea: Idea, village: Org, days_ago: float) -> Wish:
        cadre = secretaries[village.pk]
        surname = rng.choice(NAMES)
        posted = _at(days_ago, 9)
        wish = services.wish_post(
            actor=cadre,
            org=village,
            category=idea.category,
            title=idea.title,
            detail=idea.detail,
            value_yuan=idea.value,
            public_name=f"{surname}{rng.choice(CALLS)}",
            on_behalf=True,
            contact_name=f"{surname}{rng.choice(GIVEN)}",
            contact_phone=f"0797-86{rng.randrange(10000, 99999)}",
            contact_address=f"{village.name.removesuffix('党支部')}{rng.randrange(1, 60)} 号",
            now=posted,
        )
        _backdate(wish, posted)
        return wish

    def through(wish: Wish, days_ago: float, stop: str, claimer: User, org: Org | None) -> None:
        reviewer = secretaries.get(wish.org_id) or town_admin
        services.wish_review(actor=reviewer, wish=wish, approve=True, now=_at(days_ago - 0.2, 11))
        if stop == "open":
            return
        services.wish_claim(actor=claimer, wish=wish, org=org, now=_at(days_ago - 1, 20))
        if stop == "claimed":
            return
        services.wish_fulfil(
            actor=claimer,
            wish=wish,
            note=IDEA_BY_TITLE[wish.title].done,
            photos=[_photo(rng, "done")],
            now=_at(days_ago - 4, 16),
        )
        if stop == "confirming":
            return
        confirmer = wish.wisher or wish.posted_by
        services.wish_confirm(
            actor=confirmer,
            wish=wish,
            thanks=IDEA_BY_TITLE[wish.title].thanks,
            now=_at(days_ago - 5, 10),
        )

    plan = ["fulfilled"] * 14 + ["confirming"] * 3 + ["claimed"] * 5 + ["open"] * 10
    for i, stop in enumerate(plan):
        idea = IDEAS[i % len(IDEAS)]
        village = cadre_villages[i % len(cadre_villages)]
        days_ago = 24 - i * 0.6 if stop in ("fulfilled", "confirming") else 12 - (i % 10)
        wish = entered(idea, village, max(days_ago, 1.5))
        branch_claim = i % 3 == 0
        if branch_claim:
            org = rng.choice(cadre_villages)
            claimer, claim_org = secretaries[org.pk], org
        else:
            claimer, claim_org = members[(i * 7) % len(members)].user, None
        if claimer.pk == wish.posted_by_id:
            claimer, claim_org = members[(i * 7 + 1) % len(members)].user, None
        # Four claims per claimer at most: the limit is 3 open ones, and the fulfilled free it.
        through(wish, max(days_ago, 1.5), stop, claimer, claim_org)
        made[stop] += 1

    # The personas: the resident has a wish to confirm, one fulfilled and one in review;
    # the member holds a claim; the secretary has two wishes to review.
    resident = User.objects.filter(username="resident").first()
    member = User.objects.filter(username="member").first()
    secretary = User.objects.filter(username="secretary").first()
    if resident is not None and resident.home_org_id is not None and member is not None:
        home = resident.home_org
        assert home is not None
        for idea, stop, days_ago in (
            (IDEAS[3], "fulfilled", 20.0),
            (IDEAS[8], "confirming", 9.0),
        ):
            posted = _at(days_ago, 8)
            wish = services.wish_post(
                actor=resident,
                org=home,
                category=idea.category,
                title=idea.title,
                detail=idea.detail,
                value_yuan=idea.value,
                public_name="孙阿姨",
                contact_address=f"{home.name.removesuffix('党支部')}8 号",
                now=posted,
            )
            _backdate(wish, posted)
            through(wish, days_ago, stop, member, None)
            made[stop] += 1
        posted = _at(1, 19)
        wish = services.wish_post(
            actor=resident,
            org=home,
            category=WishCategory.OTHER,
            title="想请人教我用手机交电费",
            detail="每个月都要跑到镇上交。",
            public_name="孙阿姨",
            now=posted,
        )
        _backdate(wish, posted)
        made["pending"] += 1
    if member is not None and cadre_villages:
        wish = entered(IDEAS[4], cadre_villages[0], 6)
        through(wish, 6, "claimed", member, None)
        made["claimed"] += 1
    secretary_branch = (
        Role.objects.filter(user=secretary, kind=RoleKind.SECRETARY).select_related("org").first()
        if secretary is not None
        else None
    )
    if secretary_branch is not None:
        for idea, days_ago in ((IDEAS[1], 2.0), (IDEAS[11], 0.5)):
            surname = rng.choice(NAMES)
            posted = _at(days_ago, 10)
            wish = services.wish_post(
                actor=secretary_branch.user,
                org=secretary_branch.org,
                category=idea.category,
                title=idea.title,
                detail=idea.detail,
                value_yuan=idea.value,
                public_name=f"{surname}{rng.choice(CALLS)}",
                on_behalf=True,
                contact_name=f"{surname}{rng.choice(GIVEN)}",
                contact_phone=f"138{rng.randrange(10_000_000, 99_999_999)}",
                now=posted,
            )
            _backdate(wish, posted)
            made["pending"] += 1
    return (
        f"微心愿：活动「{campaign.title}」，已实现 {made['fulfilled']}、"
        f"待确认 {made['confirming']}、已认领 {made['claimed']}、"
        f"待认领 {made['open']}、待审核 {made['pending']} 个。"
    )


IDEA_BY_TITLE = {idea.title: idea for idea in IDEAS}
