"""Factories that go through the services where a service owns the write (org paths, roles)."""

from __future__ import annotations

import datetime
import itertools
import random

import factory

from xianfeng.orgs import services as org_services
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org, Role
from xianfeng.people.enums import MemberStatus
from xianfeng.people.idcard import check_digit
from xianfeng.people.models import Member, User

_seq = itertools.count(1)


def make_id_number(born: datetime.date = datetime.date(1985, 6, 15), *, male: bool = True) -> str:
    """A valid 18-digit ID number, unique within the test run."""
    n = next(_seq)
    order = (n * 2 + (1 if male else 0)) % 1000
    body = f"370102{born:%Y%m%d}{order:03d}"
    # Uniqueness across more than 500 numbers per birthday: vary the area code.
    body = f"{370102 + n // 500:06d}" + body[6:]
    return body + check_digit(body)


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
