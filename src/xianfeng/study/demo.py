"""Demo content for `seed_demo`: the county's question bank (about 200 questions from the
党章 and the basics of party life), an exam running now, a month of 每日一练 for the member
persona and a month of learning points across her town, and 现场竞答 at her branch (the
last 主题党日's, finished with its leaderboard, and the next one waiting), so the points
page, the rankings, the exam and its results and the rooms are alive after `make run`."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from xianfeng.audit.events import Event
from xianfeng.common import points as registry
from xianfeng.orgs import paths
from xianfeng.orgs.enums import Region
from xianfeng.orgs.models import Org, Role, subtree_q
from xianfeng.people.models import Member, User
from xianfeng.study import bank
from xianfeng.study.enums import QuestionKind
from xianfeng.study.models import Question, QuizRoom
from xianfeng.study.services import quizzes
from xianfeng.study.services.points import points_award

# (what is asked, the right answer, three wrong ones, tags)
FACTS: list[tuple[str, str, tuple[str, str, str], str]] = [
    (
        "党的最高领导机关",
        "党的全国代表大会和它所产生的中央委员会",
        ("中央政治局", "中央书记处", "中央军事委员会"),
        "党章",
    ),
    (
        "党的根本宗旨",
        "全心全意为人民服务",
        ("实现共产主义", "发展社会生产力", "维护社会稳定"),
        "党章",
    ),
    ("党的根本组织原则", "民主集中制", ("集体领导", "个人分工负责", "少数服从多数"), "党章"),
    ("预备党员的预备期", "一年", ("半年", "两年", "三年"), "党员发展"),
    (
        "党的基层组织设立的依据",
        "有正式党员三人以上",
        ("有党员两人以上", "有正式党员五人以上", "有党员十人以上"),
        "基层组织",
    ),
    ("党支部委员会每届任期", "三年至五年", ("两年", "五年至六年", "一年"), "基层组织"),
    (
        "党员的党龄的计算起点",
        "预备期满转为正式党员之日",
        ("递交入党申请书之日", "支部大会通过之日", "入党宣誓之日"),
        "党员发展",
    ),
    ("党员没有正当理由连续不交纳党费的期限", "六个月", ("三个月", "一年", "两个月"), "党费"),
    (
        "党的思想路线",
        "一切从实际出发，理论联系实际，实事求是，在实践中检验真理和发展真理",
        ("解放思想，与时俱进", "以经济建设为中心", "群众路线"),
        "党章",
    ),
    (
        "党的群众路线",
        "一切为了群众，一切依靠群众，从群众中来，到群众中去",
        ("全心全意为人民服务", "实事求是", "以人民为中心"),
        "党章",
    ),
    (
        "“三会一课”中的“一课”",
        "按时上好党课",
        ("每月一次理论学习", "每季度一次专题培训", "每年一次警示教育"),
        "三会一课",
    ),
    ("党小组会一般的召开频次", "每月一次", ("每季度一次", "每半年一次", "每周一次"), "三会一课"),
    (
        "支部党员大会一般的召开频次",
        "每季度一次",
        ("每月一次", "每半年一次", "每年一次"),
        "三会一课",
    ),
    (
        "支部委员会会议一般的召开频次",
        "每月一次",
        ("每季度一次", "每两个月一次", "每年两次"),
        "三会一课",
    ),
    (
        "组织生活会一般的召开频次",
        "每年至少一次",
        ("每季度一次", "每月一次", "每两年一次"),
        "组织生活",
    ),
    (
        "民主评议党员一般的开展频次",
        "每年一次",
        ("每季度一次", "每半年一次", "每三年一次"),
        "组织生活",
    ),
    ("主题党日一般的开展频次", "每月一次", ("每季度一次", "每周一次", "每半年一次"), "组织生活"),
    ("中国共产党成立的时间", "1921年7月", ("1919年5月", "1927年8月", "1949年10月"), "党史"),
    (
        "中国共产党第一次全国代表大会最后一天会议的召开地点",
        "浙江嘉兴南湖的游船上",
        ("上海法租界", "北京大学红楼", "广州农民运动讲习所"),
        "党史",
    ),
    ("遵义会议召开的时间", "1935年1月", ("1934年10月", "1936年10月", "1937年7月"), "党史"),
    ("“支部建在连上”原则确立于", "三湾改编", ("古田会议", "南昌起义", "遵义会议"), "党史"),
    ("古田会议召开的年份", "1929年", ("1927年", "1931年", "1935年"), "党史"),
    ("党的二十大召开的时间", "2022年10月", ("2021年7月", "2017年10月", "2023年3月"), "二十大精神"),
    (
        "党的二十大报告提出的中心任务",
        "团结带领全国各族人民全面建成社会主义现代化强国、实现第二个百年奋斗目标，以中国式现代化全面推进中华民族伟大复兴",
        ("全面建成小康社会", "打赢脱贫攻坚战", "实现经济高质量发展"),
        "二十大精神",
    ),
    (
        "全面建设社会主义现代化国家的首要任务",
        "高质量发展",
        ("乡村振兴", "科技创新", "共同富裕"),
        "二十大精神",
    ),
    (
        "中国式现代化的本质要求之一",
        "坚持中国共产党领导",
        ("坚持市场主导", "坚持出口导向", "坚持速度优先"),
        "二十大精神",
    ),
    ("党的六项纪律中居于首位的", "政治纪律", ("组织纪律", "廉洁纪律", "工作纪律"), "纪律"),
    (
        "新时代党的建设总要求中居于统领地位的",
        "党的政治建设",
        ("党的思想建设", "党的组织建设", "党的作风建设"),
        "党建",
    ),
    (
        "党员领导干部参加双重组织生活的要求",
        "以普通党员身份参加所在党支部或党小组的组织生活",
        ("只参加领导班子的民主生活会", "可以委托他人参加", "每年参加一次即可"),
        "组织生活",
    ),
    (
        "入党誓词中“永不叛党”之前的一句",
        "随时准备为党和人民牺牲一切",
        ("严守党的纪律", "保守党的秘密", "对党忠诚"),
        "入党誓词",
    ),
    (
        "发展党员工作中确定入党积极分子的主体",
        "党支部委员会",
        ("党员大会", "上级党委", "党小组"),
        "党员发展",
    ),
    (
        "接收预备党员必须经过",
        "支部大会讨论和上级党组织批准",
        ("支部委员会讨论", "党小组讨论", "上级党委直接决定"),
        "党员发展",
    ),
    ("党员受到留党察看处分的最长期限", "两年", ("一年", "三年", "半年"), "纪律"),
    (
        "党内监督的基本原则",
        "党内监督没有禁区、没有例外",
        ("只监督领导干部", "以自我监督为主", "只监督普通党员"),
        "监督",
    ),
    (
        "“两个维护”的内容之一",
        "坚决维护党中央权威和集中统一领导",
        ("坚决维护个人权威", "坚决维护地方利益", "坚决维护部门利益"),
        "政治建设",
    ),
    ("“四个意识”中的第一个", "政治意识", ("大局意识", "核心意识", "看齐意识"), "政治建设"),
    (
        "“四个自信”中更基础、更广泛、更深厚的自信",
        "文化自信",
        ("道路自信", "理论自信", "制度自信"),
        "政治建设",
    ),
    (
        "党章规定，党员必须履行的第一项义务",
        "认真学习马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、习近平新时代中国特色社会主义思想",
        ("按期交纳党费", "服从组织分配", "密切联系群众"),
        "党章",
    ),
    ("党费收缴的基本要求", "按月交纳", ("按年交纳", "按季度交纳", "自愿交纳"), "党费"),
    (
        "流动党员参加组织生活的基本方式",
        "持《流动党员活动证》参加流入地党组织的组织生活",
        ("不参加组织生活", "每年回原支部一次", "只在网上学习"),
        "流动党员",
    ),
    (
        "党组织书记抓基层党建工作述职评议考核的频次",
        "每年一次",
        ("每季度一次", "每三年一次", "每届一次"),
        "党建",
    ),
    (
        "党员教育培训工作的主体",
        "各级党委（党组）",
        ("各级政府", "各级工会", "各级共青团"),
        "党员教育",
    ),
    (
        "基层党员每年集中学习培训的时间要求",
        "一般不少于32学时",
        ("不少于8学时", "不少于100学时", "没有要求"),
        "党员教育",
    ),
    (
        "远程教育站点开展集中收看的要求",
        "每月不少于两次",
        ("每年一次", "每季度一次", "每周五次"),
        "远程教育",
    ),
    ("“枫桥经验”最早产生的地方", "浙江诸暨", ("江苏苏州", "福建古田", "江西井冈山"), "基层治理"),
    (
        "村党组织书记通过法定程序担任村民委员会主任的提法",
        "“一肩挑”",
        ("“两委分设”", "“双向进入”", "“交叉任职”"),
        "基层组织",
    ),
    (
        "党组织对党员作出处分决定的依据",
        "党章和党内法规",
        ("上级口头指示", "群众举报数量", "个人意见"),
        "纪律",
    ),
    ("中央八项规定出台的时间", "2012年12月", ("2013年6月", "2015年10月", "2017年1月"), "作风建设"),
    (
        "“三严三实”中的“三严”",
        "严以修身、严以用权、严以律己",
        ("严格学习、严格工作、严格生活", "严管、严查、严办", "从严治党、从严治政、从严治军"),
        "作风建设",
    ),
    (
        "党员在党的会议上有理由对党的任何组织和任何党员提出批评，这是党员的",
        "权利",
        ("义务", "纪律", "责任"),
        "党章",
    ),
]
MULTIPLE: list[tuple[str, list[str], list[str], str]] = [
    (
        "“三会一课”包括（  ）。",
        ["支部党员大会", "支部委员会会议", "党小组会", "按时上好党课", "民主生活会"],
        ["A", "B", "C", "D"],
        "三会一课",
    ),
    (
        "党的六项纪律包括（  ）。",
        ["政治纪律、组织纪律", "廉洁纪律", "群众纪律", "工作纪律、生活纪律", "财务纪律"],
        ["A", "B", "C", "D"],
        "纪律",
    ),
    (
        "“四个意识”包括（  ）。",
        ["政治意识", "大局意识", "核心意识", "看齐意识", "忧患意识"],
        ["A", "B", "C", "D"],
        "政治建设",
    ),
    (
        "“四个自信”包括（  ）。",
        ["道路自信", "理论自信", "制度自信", "文化自信", "历史自信"],
        ["A", "B", "C", "D"],
        "政治建设",
    ),
    (
        "党员的权利包括（  ）。",
        [
            "参加党的有关会议",
            "在党的会议上参加讨论",
            "行使表决权、选举权",
            "向上级组织直至中央提出请求、申诉和控告",
        ],
        ["A", "B", "C", "D"],
        "党章",
    ),
    (
        "发展党员要经过的阶段有（  ）。",
        ["入党申请人", "入党积极分子", "发展对象", "预备党员", "荣誉党员"],
        ["A", "B", "C", "D"],
        "党员发展",
    ),
    (
        "党内监督的方式有（  ）。",
        ["民主生活会", "谈心谈话", "巡视巡察", "述责述廉", "网络投票"],
        ["A", "B", "C", "D"],
        "监督",
    ),
    (
        "主题党日可以安排的内容有（  ）。",
        ["集中学习", "过组织生活", "开展志愿服务", "重温入党誓词", "外出旅游"],
        ["A", "B", "C", "D"],
        "组织生活",
    ),
    (
        "组织生活会的主要内容有（  ）。",
        ["对照检查", "开展批评和自我批评", "明确整改方向", "评议个人收入"],
        ["A", "B", "C"],
        "组织生活",
    ),
    (
        "五微服务指的是（  ）。",
        ["微心愿", "微实事", "微行动", "微星光", "微投资"],
        ["A", "B", "C", "D"],
        "基层治理",
    ),
]


def _questions(county: Org) -> int:
    rng = random.Random(2026)
    rows: list[Question] = []

    def add(
        kind: str, stem: str, options: list[str], answer: list[str], tags: str, why: str
    ) -> None:
        rows.append(
            Question(
                org=county,
                kind=kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=why,
                tags=[tags],
                difficulty=rng.choice([1, 2, 2, 3]),
                source="县委组织部题库",
                fingerprint=bank.fingerprint(kind, stem),
            )
        )

    for subject, right, wrong, tag in FACTS:
        why = f"{subject}是{right}。"
        options = [right, *wrong]
        rng.shuffle(options)
        add(
            QuestionKind.SINGLE,
            f"{subject}是（  ）。",
            options,
            [bank.LETTERS[options.index(right)]],
            tag,
            why,
        )
        add(QuestionKind.JUDGE, f"{subject}是{right}。", [], ["T"], tag, why)
        add(QuestionKind.JUDGE, f"{subject}是{wrong[0]}。", [], ["F"], tag, why)
        add(QuestionKind.BLANK, f"{subject}是______。", [], [right], tag, why)
    for stem, options, answer, tag in MULTIPLE:
        add(QuestionKind.MULTIPLE, stem, options, answer, tag, f"正确答案：{'、'.join(answer)}。")
    Question.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _event(event_id: int, created: datetime.datetime, data: dict[str, object]) -> Event:
    return Event(
        id=event_id,
        name="demo",
        actor_id=None,
        object_type="demo",
        object_id="0",
        org_id=None,
        data=data,
        created_at=created,
    )


def _history(town: Org, lesson_ids: list[int], days: int = 30) -> int:
    """A month of points across the town: members who study most days and some who don't."""
    rng = random.Random(7)
    daily = registry.rule("study.daily")
    watched = registry.rule("lesson.completed")
    if daily is None or watched is None:
        return 0
    members = list(
        Member.objects.filter(subtree_q([town.path], field="org__path"))
        .exclude(user__username="member")  # her month is real practice, below
        .select_related("org")
        .order_by("pk")[:150]
    )
    today = timezone.localdate()
    written = 0
    for member in members:
        keen = rng.random()
        for back in range(days, 0, -1):
            day = today - datetime.timedelta(days=back)
            if rng.random() > keen:
                continue
            when = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(20, rng.randint(0, 59)))
            )
            claim = registry.Claim(
                user_id=member.user_id,
                source_type="study.daily",
                source_id=f"{member.user_id}-{day:%Y%m%d}",
                title=f"每日一练 {day:%m月%d日}",
            )
            if points_award(rule=daily, event=_event(0, when, {}), claim=claim):
                written += 1
            if lesson_ids and rng.random() < keen / 3:
                lesson = rng.choice(lesson_ids)
                claim = registry.Claim(
                    user_id=member.user_id, source_type="lessons.lesson", source_id=lesson
                )
                if points_award(rule=watched, event=_event(0, when, {}), claim=claim):
                    written += 1
    return written


def seed() -> str:
    """The registered seeder (common/demo.py)."""
    admin = User.objects.get(username="county_admin")
    role = Role.objects.select_related("org").filter(user=admin).first()
    county = (
        Org.objects.get(pk=paths.ids_in(role.org.path)[0])
        if role is not None
        else Org.objects.filter(parent__isnull=True).order_by("pk").first()
    )
    if county is None:
        return "没有县级组织，跳过学习演示数据。"
    member = User.objects.select_related("member__org").filter(username="member").first()
    with transaction.atomic():
        made = _questions(county)
    now = timezone.now()
    exam = quizzes.quiz_create(
        actor=admin,
        org=county,
        title="学习贯彻党的二十大精神知识竞答",
        description="全县党员参加。限时 20 分钟，60 分及格，每人可答两次，取最好成绩。",
        opens_at=now - datetime.timedelta(days=3),
        closes_at=now + datetime.timedelta(days=10),
        duration_minutes=20,
        paper={
            "rules": [
                {"kind": QuestionKind.SINGLE, "count": 5},
                {"kind": QuestionKind.MULTIPLE, "count": 3},
                {"kind": QuestionKind.JUDGE, "count": 5},
                {"kind": QuestionKind.BLANK, "count": 2},
            ]
        },
        attempts_allowed=2,
    )
    town = None
    lesson_ids: list[int] = []
    if member is not None and hasattr(member, "member"):
        ancestors = Org.objects.filter(pk__in=paths.ids_in(member.member.org.path))
        town = next((o for o in ancestors if o.region == Region.TOWN), None)
        from django.apps import apps

        lesson_model = apps.get_model("lessons", "Lesson")
        lesson_ids = list(lesson_model.objects.values_list("pk", flat=True)[:20])
    written = _history(town, lesson_ids) if town is not None else 0
    practised = 0
    daily = registry.rule("study.daily")
    if member is not None and hasattr(member, "member"):
        rng = random.Random(11)
        for back in range(20, 0, -1):
            if back in (13, 9):
                continue  # two missed days: the streak starts again
            when = now - datetime.timedelta(days=back)
            attempt = quizzes.daily_start(user=member, now=when)
            for position, item in enumerate(attempt.paper):
                right = rng.random() < 0.75
                response = item["key"][:1] if item["kind"] == QuestionKind.BLANK else item["key"]
                if not right:
                    response = {
                        QuestionKind.JUDGE: ["F"] if item["key"] == ["T"] else ["T"],
                        QuestionKind.BLANK: ["不记得了"],
                    }.get(item["kind"], ["B"] if item["key"] == ["A"] else ["A"])
                quizzes.attempt_save(
                    user=member, attempt=attempt, position=position, response=response, now=when
                )
            quizzes.attempt_submit(
                user=member, attempt=attempt, now=when + datetime.timedelta(minutes=3)
            )
            # Credited on the day it was done (the event, handled later, finds it credited).
            if daily is not None:
                claim = registry.Claim(
                    user_id=member.pk,
                    source_type="study.attempt",
                    source_id=attempt.pk,
                    title=f"每日一练 {timezone.localdate(when):%m月%d日}",
                )
                points_award(rule=daily, event=_event(0, when, {}), claim=claim)
            practised += 1
    from xianfeng.study.demo_articles import seed_articles

    articles = seed_articles(county, admin, member)
    contest = seed_competition_and_checks(county, admin, member)
    rooms = seed_rooms(admin, member)
    return (
        f"题库 {made} 道题，进行中的考试「{exam.title}」，"
        f"演示党员每日一练 {practised} 天，一个月的积分记录 {written} 条。"
        f"{articles}{contest}{rooms}"
    )


def _wrong(item: dict[str, Any]) -> list[str]:
    """A plausible wrong answer to a drawn item."""
    if item["kind"] == QuestionKind.JUDGE:
        return ["F"] if item["key"] == ["T"] else ["T"]
    if item["kind"] == QuestionKind.BLANK:
        return ["不记得了"]
    return ["B"] if item["key"] == ["A"] else ["A"]


def seed_rooms(admin: User, member: User | None) -> str:
    """现场竞答 at the demo member's branch: last month's 主题党日 room, played by a dozen of
    its members on their phones (finished, with its leaderboard), and the next one waiting
    for its day (on the branch's village TV and in everyone's list)."""
    from xianfeng.study.rules import STUDY_MANAGE_ROLES
    from xianfeng.study.services import rooms

    if member is None or not hasattr(member, "member"):
        return ""
    branch = member.member.org
    role = (
        Role.objects.filter(org=branch, kind__in=STUDY_MANAGE_ROLES)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    host = role.user if role is not None else admin
    players = list(
        Member.objects.filter(org=branch, user__is_active=True)
        .select_related("user", "org")
        .order_by("pk")[:12]
    )
    rng = random.Random(29)
    day = timezone.localdate() - datetime.timedelta(days=rng.randint(6, 12))
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    room = rooms.room_create(
        actor=host,
        org=branch,
        title=f"{day.month}月{day.day}日主题党日 · 党章党规现场竞答",
        count=8,
        seconds=20,
    )
    skill = {p.user_id: rng.uniform(0.45, 0.95) for p in players}
    at = start
    answers = 0
    for position in range(len(room.paper)):
        room = rooms.room_advance(actor=host, room=room, now=at)  # asks the question
        item = room.paper[position]
        for player in players:
            if rng.random() < 0.08:
                continue  # too slow this time
            right = rng.random() < skill[player.user_id]
            rooms.room_answer(
                user=player.user,
                org=player.org,
                room=room,
                position=position,
                response=item["key"] if right else _wrong(item),
                now=at + datetime.timedelta(seconds=rng.uniform(2.0, 18.0)),
            )
            answers += 1
        room = rooms.room_advance(actor=host, room=room, now=at + datetime.timedelta(seconds=25))
        at += datetime.timedelta(seconds=70)
    room = rooms.room_advance(actor=host, room=room, now=at)  # 结束竞答
    QuizRoom.objects.filter(pk=room.pk).update(created_at=start - datetime.timedelta(minutes=20))
    nxt = timezone.localdate() + datetime.timedelta(days=rng.randint(2, 6))
    rooms.room_create(
        actor=host,
        org=branch,
        title=f"{nxt.month}月{nxt.day}日主题党日 · 学习贯彻二十大精神现场竞答",
        count=10,
        seconds=20,
    )
    return (
        f"现场竞答 2 场（{branch.name}：上次主题党日 {len(players)} 人作答 {answers} 次，"
        f"下次的等待开始）。"
    )


def seed_competition_and_checks(county: Org, admin: User, member: User | None) -> str:
    """A running 知识竞赛 of three levels for the county (the demo member through level 1)
    and a 知识检测 of three questions on a few published lessons."""
    from django.apps import apps

    from xianfeng.study.services import checks, competitions

    now = timezone.now()
    competition = competitions.competition_create(
        actor=admin,
        org=county,
        title="党章党规知识闯关赛",
        description="三关：基础题、进阶题、冲刺题。每关限时 5 分钟，正确率 80% 过关。",
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now + datetime.timedelta(days=14),
    )
    for title, rules in (
        ("基础题", [{"kind": QuestionKind.JUDGE, "count": 5}]),
        ("进阶题", [{"kind": QuestionKind.SINGLE, "count": 5}]),
        (
            "冲刺题",
            [{"kind": QuestionKind.MULTIPLE, "count": 3}, {"kind": QuestionKind.BLANK, "count": 2}],
        ),
    ):
        competitions.level_add(
            actor=admin,
            competition=competition,
            title=title,
            rules=rules,
            duration_minutes=5,
            pass_percent=80,
            attempts_allowed=3,
        )
    competitions.competition_publish(actor=admin, competition=competition, publish=True)
    played = 0
    if member is not None and hasattr(member, "member"):
        level = competition.levels.get(level=1)
        attempt = competitions.level_start(user=member, level=level)
        for position, item in enumerate(attempt.paper):
            quizzes.attempt_save(
                user=member, attempt=attempt, position=position, response=item["key"]
            )
        quizzes.attempt_submit(user=member, attempt=attempt)
        played = 1
    lesson_model = apps.get_model("lessons", "Lesson")
    pool = list(
        Question.objects.filter(org=county, kind=QuestionKind.JUDGE)
        .order_by("pk")
        .values_list("pk", flat=True)[:30]
    )
    checked = 0
    for i, lesson in enumerate(
        lesson_model.objects.filter(state="published").select_related("org").order_by("pk")[:5]
    ):
        if not checks.can_set_check(admin, lesson) or len(pool) < 3:
            continue
        chosen = pool[(i * 3) % len(pool) :][:3]
        if len(chosen) == 3:
            checks.check_set_questions(actor=admin, lesson=lesson, question_ids=chosen)
            checked += 1
    return (
        f"知识竞赛「{competition.title}」3 关（演示党员已过 {played} 关），"
        f"{checked} 节微党课设了知识检测。"
    )
