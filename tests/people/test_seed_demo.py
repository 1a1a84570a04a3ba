from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from xianfeng.audit.models import AuditLog
from xianfeng.orgs.enums import MEMBER_ORG_KINDS, OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people import demo
from xianfeng.people.enums import MemberStatus
from xianfeng.people.idcard import birth_date_of, gender_of, id_problem
from xianfeng.people.models import Member, User

pytestmark = pytest.mark.django_db

MEMBERS = 300
TODAY = datetime.date(2026, 6, 1)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--members", str(MEMBERS), "--no-content", *args, stdout=out)
    return out.getvalue()


def add_years(day: datetime.date, years: int) -> datetime.date:
    if (day.month, day.day) == (2, 29):
        return datetime.date(day.year + years, 3, 1)
    return day.replace(year=day.year + years)


@pytest.fixture
def seeded(db) -> str:
    return seed()


def test_seed_demo_builds_the_county(seeded):
    assert Member.objects.count() == MEMBERS
    assert User.objects.count() == MEMBERS + 3  # county_admin, town_admin, resident
    kinds = set(Org.objects.values_list("kind", flat=True))
    assert kinds == set(OrgKind.values)
    towns = Org.objects.filter(region=Region.TOWN)
    assert towns.count() == 15
    assert set(towns.values_list("parent__code", flat=True)) == {demo.ROOT}
    villages = Org.objects.filter(region=Region.VILLAGE, parent__region=Region.TOWN)
    assert 250 <= villages.count() <= 350
    for code, region, children in (
        ("QSLX", Region.COMPANY, 10),
        ("QSJY", Region.SCHOOL, 10),
        ("QSJG", Region.AGENCY, 15),
    ):
        org = Org.objects.get(code=code)
        assert org.kind == OrgKind.WORKING_COMMITTEE
        assert org.children.filter(kind=OrgKind.BRANCH, region=region).count() == children
    groups = Org.objects.filter(kind=OrgKind.BRANCH).annotate(
        n=Count("children", filter=Q(children__kind=OrgKind.GROUP))
    )
    assert set(groups.values_list("n", flat=True)) == {2, 3, 4}
    assert not Org.objects.filter(kind=OrgKind.GROUP).exclude(parent__kind=OrgKind.BRANCH).exists()
    assert f"党组织 {Org.objects.count()} 个，党员 {MEMBERS} 名" in seeded
    # Codes nest like the tree, and no two siblings share a name.
    orgs = list(Org.objects.select_related("parent"))
    for org in orgs:
        if org.parent is None:
            assert org.code == demo.ROOT
        else:
            assert org.code.startswith(org.parent.code)
            assert org.path.startswith(org.parent.path)
    siblings = Org.objects.values("parent_id", "name").annotate(n=Count("id")).filter(n__gt=1)
    assert list(siblings) == []


def test_seed_demo_members_are_valid(seeded):
    members = list(Member.objects.select_related("user", "org", "group"))
    id_numbers = [m.id_number for m in members]
    assert all(id_problem(n) is None for n in id_numbers)
    assert len(set(id_numbers)) == len(id_numbers)
    phones = list(User.objects.exclude(phone=None).values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert len(phones) > MEMBERS * 0.7
    for m in members:
        assert m.org.kind in MEMBER_ORG_KINDS
        if m.group is not None:
            assert m.group.kind == OrgKind.GROUP
            assert m.group.parent_id == m.org_id
        assert birth_date_of(m.id_number) == m.birth_date
        assert gender_of(m.id_number) == m.gender
        assert datetime.date(1940, 1, 1) <= m.birth_date <= datetime.date(2003, 12, 31)
        assert m.joined_on >= add_years(m.birth_date, 18)
        assert m.joined_on <= datetime.date.today()
        if m.status == MemberStatus.PROBATIONARY:
            assert m.confirmed_on is None
            assert (datetime.date.today() - m.joined_on).days < 366
        else:
            assert m.confirmed_on == add_years(m.joined_on, 1)
            assert m.confirmed_on <= datetime.date.today()
        if m.is_mobile:
            assert m.mobile_place
        assert not m.user.has_usable_password() or m.user.username in {
            p.username for p in demo.PERSONAS
        }
        assert 2 <= len(m.user.name) <= 4


def test_seed_demo_plan_distributions_are_plausible():
    plan = demo.plan_county(members=20000, today=TODAY)
    people = plan.people
    share = lambda pred: sum(1 for p in people if pred(p)) / len(people)  # noqa: E731
    assert 0.02 <= share(lambda p: p.status == MemberStatus.PROBATIONARY) <= 0.045
    assert 0.025 <= share(lambda p: p.is_mobile) <= 0.055
    assert 0.85 <= share(lambda p: p.ethnicity == "汉族") <= 0.97
    assert 0.05 <= share(lambda p: p.phone is None) <= 0.25
    assert share(lambda p: p.position == "书记") > 0
    assert all(p.mobile_place for p in people if p.is_mobile)
    # Unevenly sized branches, county organs bigger than villages.
    sizes: dict[str, int] = {}
    for p in people:
        sizes[p.org_code] = sizes.get(p.org_code, 0) + 1
    organ = [n for code, n in sizes.items() if code.startswith("QSJG") and code[4:].isdigit()]
    village = [n for b in plan.branches if b.profile == "village" for n in [sizes.get(b.code, 0)]]
    assert sum(organ) / len(organ) > sum(village) / len(village)
    assert max(village) > 2 * min(village)


def test_seed_demo_personas_sign_in_with_their_roles_and_places(seeded):
    assert authenticate(None, username="member", password="wrong-password") is None
    for persona in demo.PERSONAS:
        user = User.objects.get(username=persona.username)
        assert user.password.startswith("argon2")
        assert authenticate(None, username=persona.username, password=demo.PASSWORD) == user
        assert authenticate(None, username=persona.phone, password=demo.PASSWORD) == user
        assert persona.username in seeded and persona.phone in seeded

    def roles(username: str) -> set[tuple[str, str]]:
        return set(Role.objects.filter(user__username=username).values_list("org__code", "kind"))

    town = Org.objects.get(code=demo.TOWN_1)
    village = Org.objects.get(code=demo.VILLAGE_SECRETARY)
    site_village = Org.objects.get(code=demo.VILLAGE_SITE)
    assert town.name == "城关镇党委"
    assert town.parent.code == demo.ROOT
    assert village.parent_id == town.pk and village.kind == OrgKind.BRANCH
    assert village.name == "东街社区党支部"
    assert site_village.parent_id == town.pk and site_village.name == "柳湾村党支部"
    assert site_village.kind == OrgKind.BRANCH and site_village.region == Region.VILLAGE

    assert roles("county_admin") == {(demo.ROOT, RoleKind.ADMIN)}
    assert roles("town_admin") == {(demo.TOWN_1, RoleKind.ADMIN)}
    assert roles("secretary") == {(demo.VILLAGE_SECRETARY, RoleKind.SECRETARY)}
    assert roles("judge") == {(demo.ROOT, RoleKind.JUDGE)}
    assert roles("site_admin") == {(demo.VILLAGE_SITE, RoleKind.SITE_ADMIN)}
    assert roles("member") == set()
    assert roles("resident") == set()

    def member_org(username: str) -> str | None:
        m = Member.objects.filter(user__username=username).select_related("org").first()
        return m.org.code if m else None

    assert member_org("secretary") == demo.VILLAGE_SECRETARY
    assert member_org("member") == demo.VILLAGE_SECRETARY
    assert member_org("site_admin") == demo.VILLAGE_SITE
    judge_org = Org.objects.get(code=member_org("judge"))
    assert judge_org.parent.code == "QSJG" and judge_org.region == Region.AGENCY
    assert Member.objects.get(user__username="secretary").position == "书记"
    assert member_org("county_admin") is None
    assert member_org("town_admin") is None
    resident = User.objects.get(username="resident")
    assert member_org("resident") is None
    assert resident.home_org_id == site_village.pk
    # The secretary's branch has no second 书记.
    assert Member.objects.filter(org=village, position="书记").count() == 1
    # Generated branch officers hold the roles their positions carry.
    secretaries = Role.objects.filter(kind=RoleKind.SECRETARY, org__kind=OrgKind.BRANCH)
    for role in secretaries.select_related("user__member"):
        assert role.user.member.org_id == role.org_id
        assert role.user.member.position == "书记"
    assert AuditLog.objects.filter(action="demo.seed").count() == 1


def test_seed_demo_if_empty_twice_creates_nothing_the_second_time(db):
    seed("--if-empty")
    counts = (
        Org.objects.count(),
        User.objects.count(),
        Member.objects.count(),
        Role.objects.count(),
    )
    out = seed("--if-empty")
    assert "已有党组织" in out
    with pytest.raises(CommandError):
        seed()
    assert counts == (
        Org.objects.count(),
        User.objects.count(),
        Member.objects.count(),
        Role.objects.count(),
    )


def test_seed_demo_is_deterministic(db):
    with transaction.atomic():
        demo.seed_county(members=MEMBERS, today=TODAY)
        first = demo.county_digest()
        transaction.set_rollback(True)
    assert not Org.objects.exists() and not User.objects.exists()
    demo.seed_county(members=MEMBERS, today=TODAY)
    assert demo.county_digest() == first
    # The tree does not depend on the member count.
    assert [s.code for s in demo.plan_county(members=50, today=TODAY).orgs] == [
        s.code for s in demo.plan_county(members=MEMBERS, today=TODAY).orgs
    ]


def test_seed_demo_content_publishes_playable_lessons_and_opens_a_contest(db, settings, tmp_path):
    """Without --no-content (as `make run` does): real video through the real pipeline."""
    from xianfeng.contests.models import Contest
    from xianfeng.lessons.models import Lesson
    from xianfeng.lessons.selectors import FeedFilters, lesson_feed
    from xianfeng.people.models import User

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"
    out = io.StringIO()
    # Enough members that the persona branch can hold its meetings (host, A, B and more).
    call_command("seed_demo", "--members", "1500", stdout=out)
    assert "已发布演示微党课 4 节。" in out.getvalue()
    # With a video: the on-stage round's entries are drafts waiting for their recording.
    lessons = Lesson.objects.filter(video__isnull=False).select_related("video").order_by("pk")
    assert [(x.state, x.video.status, x.duration > 15) for x in lessons] == [
        ("published", "ready", True)
    ] * 4
    member = User.objects.get(username="member")
    assert len(lesson_feed(member, FeedFilters(feed="branch"))) == 4
    resident_town = User.objects.get(username="site_admin")  # another branch of the town
    assert [x.title for x in lesson_feed(resident_town, FeedFilters())] == ["村口那条路"]
    # Published to everyone: a share link works for a visitor after `make run`.
    from django.contrib.auth.models import AnonymousUser

    assert [x.title for x in lesson_feed(AnonymousUser(), FeedFilters())] == ["村口那条路"]
    contest = Contest.objects.get(title__contains="一人一课")
    assert (contest.state, contest.rounds.count()) == ("open", 3)
    assert Contest.objects.filter(title__contains="走上讲台", rounds__on_stage=True).exists()
    # The 三会一课 ledger of the secretary's branch is filled, and tasks are waiting.
    from django.utils import timezone

    from xianfeng.meetings import selectors as meeting_selectors
    from xianfeng.meetings.models import Meeting

    assert "已生成三会一课" in out.getvalue()
    secretary = User.objects.get(username="secretary")
    branch = Meeting.objects.filter(host=secretary).values_list("branch_id", flat=True).first()
    mine = Meeting.objects.filter(branch_id=branch)
    today = timezone.localdate()
    approved = mine.filter(state="approved", kind="theme_day")
    assert approved.count() == today.month - 1
    assert mine.filter(state="planned").count() == 1
    if today.day > 2:
        assert (
            meeting_selectors.meetings_to_approve(
                mine.filter(state="submitted").get().recorder_b
            ).count()
            == 1
        )
    assert mine.filter(state="approved").exclude(attendances__status="present").count() == 0
