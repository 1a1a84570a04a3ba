"""Factories: orgs, roles and users go through the services that own those writes (org
paths, roles); the models tests build often (lessons, meetings, contests, notifications,
audit rows, moderation) are written directly, with Chinese data, further down."""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

import factory

from xianfeng.orgs import services as org_services
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org, Role
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member, User

_seq = itertools.count(1)


# --- GB 11643 check digits computed independently of the project -------------------------


def gb11643_check(first17: str) -> str:
    """The check character of GB 11643-1999, by the ISO 7064 MOD 11-2 recursion
    (p = 2·(p + digit) mod 11 over the 17 digits, then the character c with p + c ≡ 1 mod 11,
    10 written X). Deliberately not `xianfeng.people.idcard.check_digit`: test data made with
    the project's own table would agree with a wrong table."""
    p = 0
    for ch in first17:
        p = (p + int(ch)) * 2 % 11
    c = (1 - p) % 11
    return "X" if c == 10 else str(c)


def make_id_number(born: datetime.date = datetime.date(1985, 6, 15), *, male: bool = True) -> str:
    """A valid 18-digit ID number, unique within the test run."""
    n = next(_seq)
    order = (n * 2 + (1 if male else 0)) % 1000
    body = f"370102{born:%Y%m%d}{order:03d}"
    # Uniqueness across more than 500 numbers per birthday: vary the area code.
    body = f"{370102 + n // 500:06d}" + body[6:]
    return body + gb11643_check(body)


def make_phone() -> str:
    return f"139{next(_seq):08d}"


class OrgFactory(factory.Factory):
    class Meta:
        model = Org

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试党支部{n}")
    kind = OrgKind.BRANCH
    region = Region.VILLAGE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return org_services.org_create(actor=None, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.LazyFunction(make_phone)
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    org = factory.SubFactory(OrgFactory)
    gender = "M"
    birth_date = datetime.date(1985, 6, 15)
    id_number = factory.LazyFunction(make_id_number)
    joined_on = datetime.date(2010, 7, 1)
    confirmed_on = datetime.date(2011, 7, 1)
    status = MemberStatus.FULL


def grant(user: User, org: Org, kind: str) -> Role:
    return org_services.role_grant(actor=None, user=user, org=org, kind=kind)


def random_name(rng: random.Random) -> str:
    return rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
    )


def ready_video(owner, *, duration: float = 300.0, name: str = "课.mp4"):
    """A Video row in the READY state with its file names set (no real files): for tests of
    what happens around a lesson; the media pipeline has its own tests with real media."""
    from django.utils import timezone

    from xianfeng.media.enums import VideoStatus
    from xianfeng.media.models import Video, new_storage_key

    key = new_storage_key()
    video = Video.objects.create(
        storage_key=key,
        owner=owner,
        original_name=name,
        status=VideoStatus.READY,
        duration=duration,
        width=640,
        height=360,
        output_dir=f"videos/{key}/1",
        hls_master=f"videos/{key}/1/master.m3u8",
        mp4=f"videos/{key}/1/video.mp4",
        poster=f"videos/{key}/1/poster.jpg",
        playable_at=timezone.now(),
        ready_at=timezone.now(),
        target_kind="lesson",
    )
    return video


def published_lesson(
    *,
    org,
    author,
    title: str = "一节微党课",
    duration: float = 300.0,
    audience=None,
    public=False,
    **text,
):
    """A lesson that went through create → submit → publish by the services."""
    from xianfeng.lessons import services
    from xianfeng.lessons.models import Lesson

    data = services.LessonData(title=title, speaker_name=text.pop("speaker_name", "主讲人"), **text)
    publisher = _publisher()
    lesson = services.lesson_create(actor=publisher, org=org, data=data)
    Lesson.objects.filter(pk=lesson.pk).update(author=author)
    video = ready_video(author, duration=duration)
    video.target_id = str(lesson.pk)
    video.save(update_fields=["target_id"])
    Lesson.objects.filter(pk=lesson.pk).update(video=video)
    lesson.refresh_from_db()
    services.lesson_submit(actor=publisher, lesson=lesson)
    return services.lesson_publish(
        actor=publisher, lesson=lesson, audience=audience or org, public=public
    )


def _publisher():
    """A superuser acting as the publisher (tests of publishing rights use real roles)."""
    from xianfeng.people.models import User

    user = User.objects.filter(username="lesson_publisher").first()
    if user is None:
        user = User.objects.create_superuser("lesson_publisher", "pass-word-123", name="发布人")
    return user


# --- Factories that write rows directly (no services): data for tests of reads and rules ---
#
# Services stay tested through the services; these build the world around them quickly.


def default_branch() -> Org:
    """A fresh 党支部 under one shared 县委 (a branch cannot sit at the top of the tree)."""
    county = Org.objects.filter(code="FXC").first() or OrgFactory(
        code="FXC", name="工厂县委", kind=OrgKind.COMMITTEE, region=Region.COUNTY
    )
    return OrgFactory(parent=county)


def _now():
    from django.utils import timezone

    return timezone.now()


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.Series"

    org = factory.LazyFunction(default_branch)
    title = factory.Sequence(lambda n: f"学习二十大精神专题{n}")
    description = "围绕党的二十大报告，每周一课"
    created_by = factory.SubFactory(UserFactory)


class LessonFactory(factory.django.DjangoModelFactory):
    """A lesson in the draft state; traits `submitted`, `published`, `public`, `archived`."""

    class Meta:
        model = "lessons.Lesson"

    title = factory.Sequence(lambda n: f"矿灯下的初心（第{n}讲）")
    summary = "一名老矿工讲述三十年安全生产的坚守"
    story = "井下停电那天，老党员王师傅第一个摸黑下井，把工友一个个带了出来。"
    reflection = "安全生产不是口号，是党员身先士卒的担当。"
    question = "我们身边还有哪些安全隐患没有排除？"
    author = factory.SubFactory(UserFactory)
    speaker_name = "王师傅"
    org = factory.LazyFunction(default_branch)
    duration = 300.0
    state = "draft"

    class Params:
        submitted = factory.Trait(state="submitted", submitted_at=factory.LazyFunction(_now))
        published = factory.Trait(
            state="published",
            submitted_at=factory.LazyFunction(_now),
            published_at=factory.LazyFunction(_now),
            audience=factory.SelfAttribute("org"),
        )
        public = factory.Trait(
            state="published",
            submitted_at=factory.LazyFunction(_now),
            published_at=factory.LazyFunction(_now),
            audience=factory.SelfAttribute("org"),
            is_public=True,
        )
        archived = factory.Trait(
            state="archived",
            submitted_at=factory.LazyFunction(_now),
            published_at=factory.LazyFunction(_now),
            audience=factory.SelfAttribute("org"),
        )


class WatchProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.WatchProgress"

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)
    sections = factory.LazyFunction(lambda: [[0.0, 60.0]])
    covered = factory.LazyAttribute(lambda o: sum(e - s for s, e in o.sections))
    position = factory.LazyAttribute(lambda o: o.sections[-1][1] if o.sections else 0.0)
    reports = 1
    last_report_at = factory.LazyFunction(_now)


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.Reflection"

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)
    org = factory.SelfAttribute("lesson.org")
    text = (
        "听了王师傅的微党课很受触动。安全生产责任重于泰山，作为一名党员，"
        "我要在班组里带头排查隐患，做到不安全不生产，把每一位工友平安带回家。"
    )


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.Comment"

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)
    parent = None
    text = "讲得实在，我们班组也要开展一次隐患排查。"


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.Rating"

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)
    score = 5


class LikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lessons.Like"

    user = factory.SubFactory(UserFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)


class ShowcaseFactory(factory.django.DjangoModelFactory):
    """A 展播; `lessons=[…]` puts lessons in it in that order."""

    class Meta:
        model = "lessons.Showcase"
        skip_postgeneration_save = True

    org = factory.LazyFunction(default_branch)
    title = factory.Sequence(lambda n: f"七一优秀微党课展播{n}")
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def lessons(obj, create, extracted, **kwargs):
        if create and extracted:
            from xianfeng.lessons.models import ShowcaseItem

            ShowcaseItem.objects.bulk_create(
                ShowcaseItem(showcase=obj, lesson=lesson, position=i)
                for i, lesson in enumerate(extracted, start=1)
            )


def _local_start(meeting) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(meeting.starts_at).date()


class MeetingFactory(factory.django.DjangoModelFactory):
    """A 支部党员大会 planned for 10 March 2026, 15:00 Beijing time; traits `held`,
    `submitted`, `approved`, `archived`, `cancelled` (approved and archived ones have
    minutes approved by recorder B). `attendees={user: status}` adds attendance rows."""

    class Meta:
        model = "meetings.Meeting"
        skip_postgeneration_save = True

    org = factory.LazyFunction(default_branch)
    branch = factory.SelfAttribute("org")
    kind = "assembly"
    topic = factory.Sequence(lambda n: f"学习贯彻党章专题会议（第{n}次）")
    starts_at = datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC)  # 15:00 in Beijing
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=90))
    place = "社区党群服务中心二楼会议室"
    host = factory.SubFactory(UserFactory, name="王书记")
    recorder_a = factory.SubFactory(UserFactory, name="赵记录")
    recorder_b = factory.SubFactory(UserFactory, name="钱审核")
    created_by = factory.SelfAttribute("host")
    year = factory.LazyAttribute(lambda o: _local_start(o).year)
    month = factory.LazyAttribute(lambda o: _local_start(o).month)
    checkin_key = factory.LazyFunction(lambda: __import__("secrets").token_hex(32))
    state = "planned"

    class Params:
        held = factory.Trait(state="held", held_at=factory.SelfAttribute("ends_at"))
        submitted = factory.Trait(state="submitted", held_at=factory.SelfAttribute("ends_at"))
        approved = factory.Trait(state="approved", held_at=factory.SelfAttribute("ends_at"))
        archived = factory.Trait(state="archived", held_at=factory.SelfAttribute("ends_at"))
        cancelled = factory.Trait(
            state="cancelled",
            cancelled_at=factory.SelfAttribute("starts_at"),
            cancel_reason="防汛值守，会议改期",
        )

    @factory.post_generation
    def minutes(obj, create, extracted, **kwargs):
        from xianfeng.meetings.models import Minutes

        if not create or obj.state in ("planned", "cancelled"):
            return
        approved = obj.state in ("approved", "archived")
        Minutes.objects.create(
            meeting=obj,
            agenda="一、学习党章；二、讨论发展对象",
            discussion="大家围绕党章第一章进行了讨论",
            resolutions="同意列为发展对象",
            written_by=obj.recorder_a,
            submitted_at=obj.ends_at if obj.state != "held" else None,
            approved_by=obj.recorder_b if approved else None,
            approved_at=obj.ends_at if approved else None,
        )

    @factory.post_generation
    def attendees(obj, create, extracted, **kwargs):
        from xianfeng.meetings.models import Attendance

        if not create or not extracted:
            return
        Attendance.objects.bulk_create(
            Attendance(
                meeting=obj,
                user=user,
                status=status,
                source="qr" if status in ("present", "late") else "plan",
                signed_at=obj.starts_at if status in ("present", "late") else None,
            )
            for user, status in extracted.items()
        )


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contests.Contest"

    org = factory.LazyFunction(
        lambda: (
            Org.objects.filter(code="FXC").first()
            or OrgFactory(code="FXC", name="工厂县委", kind=OrgKind.COMMITTEE, region=Region.COUNTY)
        )
    )
    title = factory.Sequence(lambda n: f"青山县“一人一课”微党课大赛（第{n}届）")
    theme = "安全生产"
    starts_on = datetime.date(2026, 3, 1)
    ends_on = datetime.date(2026, 4, 30)
    state = "open"
    created_by = factory.SubFactory(UserFactory, name="组织部管理员")


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contests.Round"

    contest = factory.SubFactory(ContestFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = "县级决赛"
    level = "organiser"
    starts_on = factory.SelfAttribute("contest.starts_on")
    ends_on = factory.SelfAttribute("contest.ends_on")
    aggregation = "mean"
    vote_share = 0
    state = "open"


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contests.Criterion"

    round = factory.SubFactory(RoundFactory)
    name = factory.Iterator(["思想性", "艺术性", "观赏性"])
    weight = factory.Iterator([Decimal(40), Decimal(30), Decimal(30)])
    max_score = 100
    counted = True
    order = factory.Sequence(lambda n: n)


class EntryFactory(factory.django.DjangoModelFactory):
    """A contest entry with its first version (the lesson's own video)."""

    class Meta:
        model = "contests.Entry"
        skip_postgeneration_save = True

    contest = factory.SubFactory(ContestFactory)
    lesson = factory.SubFactory(LessonFactory, published=True)
    org = factory.SelfAttribute("lesson.org")
    entered_by = factory.SelfAttribute("lesson.author")
    code = factory.Sequence(lambda n: f"Z{n:04d}")

    @factory.post_generation
    def version(obj, create, extracted, **kwargs):
        from xianfeng.contests.models import EntryVersion

        if create:
            video = extracted or ready_video(obj.entered_by, duration=obj.lesson.duration)
            EntryVersion.objects.create(entry=obj, number=1, video=video, note="初版")


class StandingFactory(factory.django.DjangoModelFactory):
    """An entry's place in a round (decided by the round's contest organiser by default)."""

    class Meta:
        model = "contests.Standing"

    round = factory.SubFactory(RoundFactory)
    entry = factory.SubFactory(EntryFactory, contest=factory.SelfAttribute("..round.contest"))
    decider = factory.SelfAttribute("round.contest.org")
    decision = "pending"


class ReviewFactory(factory.django.DjangoModelFactory):
    """One judge's scores: `scores` maps criterion ids (as text) to scores."""

    class Meta:
        model = "contests.Review"

    round = factory.SubFactory(RoundFactory)
    entry = factory.SubFactory(EntryFactory, contest=factory.SelfAttribute("..round.contest"))
    judge = factory.SubFactory(UserFactory, name="评委")
    version = factory.LazyAttribute(lambda o: o.entry.versions.order_by("number").first())
    scores = factory.LazyFunction(dict)
    abstained = False
    feedback = "选题贴近生活，结尾升华可再打磨"


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contests.Vote"

    round = factory.SubFactory(RoundFactory)
    entry = factory.SubFactory(EntryFactory, contest=factory.SelfAttribute("..round.contest"))
    user = factory.SubFactory(UserFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notify.Notification"

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"会议通知：三月支部党员大会（{n}）")
    body = "请于3月10日15:00到社区党群服务中心参加支部党员大会。"
    url = "/meetings/"
    kind = "meeting.planned"
    read_at = None


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "audit.AuditLog"

    actor = factory.SubFactory(UserFactory)
    action = "lesson.publish"
    object_type = "lessons.lesson"
    object_id = factory.Sequence(str)
    object_repr = "矿灯下的初心"
    org = None
    data = factory.LazyFunction(lambda: {"state": "published"})


class SensitiveWordFactory(factory.django.DjangoModelFactory):
    """A word on the list. The scanner rebuilds on a version bump: call
    `xianfeng.moderation.scanner.bump_version()` after adding words in a test."""

    class Meta:
        model = "moderation.SensitiveWord"
        django_get_or_create = ("word",)

    word = factory.Sequence(lambda n: f"违禁词{n}")
    category = "测试"
    is_active = True


class ReviewItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "moderation.ReviewItem"

    kind = "lesson.comment"
    object_id = factory.Sequence(str)
    org = factory.LazyFunction(default_branch)
    author = factory.SubFactory(UserFactory)
    text = "这是赌博网站的广告"
    words = factory.LazyFunction(lambda: ["赌博"])
    status = "pending"


# --- remote (远程教育) ----------------------------------------------------------------------


def make_site(org, *, code: str, name: str | None = None, service_start=None, kind="village"):
    """A terminal site of `org`, through the service that owns the write."""
    from xianfeng.remote import services as remote_services

    return remote_services.site_create(
        actor=None,
        org=org,
        code=code,
        name=name or f"{org.name}远程教育站点",
        kind=kind,
        service_start=service_start or datetime.date(2026, 1, 1),
    )
