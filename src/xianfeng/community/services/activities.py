"""Writes of 微行动: post and cancel an activity, sign up (a waiting list that moves up on
its own), check in and out by the activity's rotating QR code, service hours.

Capacity holds under any number of sign-ups at once: each one locks the activity row and
takes a place from its counter (a CHECK in the database keeps it ≤ capacity); whoever
finds it full waits, in the order they came.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.common.errors import Refused
from xianfeng.common.tokens import ParsedCode, RotatingCode, new_key
from xianfeng.common.transitions import transition
from xianfeng.community import rules
from xianfeng.community.enums import (
    ACTIVITY_MACHINE,
    ACTIVITY_QR_STEP_SECONDS,
    CHECKIN_OPENS_MINUTES,
    CHECKOUT_CLOSES_HOURS,
    ActivityKind,
    ActivityNoticeKind,
    ActivityState,
    Audience,
    SignupState,
)
from xianfeng.community.models import Activity, Signup
from xianfeng.community.services._common import optional_in, tell, text_in
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of

# The shared rotating code of the kernel, with the activities' own salt.
CHECKIN_CODE = RotatingCode(
    salt="xianfeng.community.activity", step_seconds=ACTIVITY_QR_STEP_SECONDS, grace=1
)
INVALID = "二维码无效，请扫描活动现场的二维码"
MAX_CAPACITY = 10_000


def _url(activity: Activity) -> str:
    return reverse("community:activity", args=[activity.pk])


@dataclass(frozen=True)
class ActivityFields:
    """What an organiser writes about an activity, checked (the same checks on posting
    and on editing)."""

    kind: str
    title: str
    description: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    capacity: int
    audience: str
    signup_deadline: datetime.datetime
    tags: str
    org_life: bool


def _checked(
    *,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    capacity: int,
    signup_deadline: datetime.datetime | None,
    audience: str,
    description: str,
    tags: str,
    org_life: bool,
    now: datetime.datetime,
) -> ActivityFields:
    if kind not in ActivityKind.values:
        raise Refused("请选择活动类别", field="kind")
    if audience not in Audience.values:
        raise Refused("请选择参加对象", field="audience")
    title = text_in(title, field="title", label="活动名称", minimum=4, maximum=60)
    place = text_in(place, field="place", label="地点", minimum=2, maximum=100)
    description = optional_in(description, field="description", label="活动内容", maximum=1000)
    tags = " ".join(optional_in(tags, field="tags", label="标签", maximum=100).split())
    if ends_at <= starts_at:
        raise Refused("结束时间应晚于开始时间", field="ends_at")
    if ends_at - starts_at > datetime.timedelta(hours=24):
        raise Refused("一次活动不超过 24 小时；多天的活动请分开发布", field="ends_at")
    if starts_at < now - datetime.timedelta(hours=1):
        raise Refused("开始时间不能早于现在", field="starts_at")
    deadline = signup_deadline or starts_at
    if deadline > starts_at:
        raise Refused("报名截止时间不能晚于活动开始时间", field="signup_deadline")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise Refused(f"名额应在 1 到 {MAX_CAPACITY} 之间", field="capacity")
    return ActivityFields(
        kind=kind, title=title, description=description, starts_at=starts_at,
        ends_at=ends_at, place=place, capacity=capacity, audience=audience,
        signup_deadline=deadline, tags=tags, org_life=org_life,
    )  # fmt: skip


def _open_repeat(
    *, org: Org, title: str, starts_at: datetime.datetime, actor: User
) -> Activity | None:
    return (
        Activity.objects.select_related("org")
        .filter(
            org=org,
            title=title,
            starts_at=starts_at,
            created_by=actor,
            state=ActivityState.PUBLISHED,
        )
        .first()
    )


def activity_create(
    *,
    actor: User,
    org: Org,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    capacity: int,
    signup_deadline: datetime.datetime | None = None,
    audience: str = Audience.EVERYONE,
    description: str = "",
    tags: str = "",
    org_life: bool = False,
    now: datetime.datetime | None = None,
) -> Activity:
    """An org's officers post an activity open to sign-up. Posting the same activity
    again (a double submit, a client's retry) returns the first one."""
    now = now or timezone.now()
    if not rules.manages(actor, org):
        raise PermissionDenied("只有该组织的书记、支委或管理员可以发布活动")
    f = _checked(
        kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, place=place,
        capacity=capacity, signup_deadline=signup_deadline, audience=audience,
        description=description, tags=tags, org_life=org_life, now=now,
    )  # fmt: skip
    with transaction.atomic():
        try:
            # The open-repeat constraint, not a look-up first: two posts at once both
            # miss a look-up, only one passes the unique index.
            with transaction.atomic():
                activity = Activity.objects.create(
                    org=org,
                    **asdict(f),
                    checkin_key=new_key(),
                    created_by=actor,
                )
        except IntegrityError:
            repeat = _open_repeat(org=org, title=f.title, starts_at=f.starts_at, actor=actor)
            if repeat is None:
                raise
            return repeat
        events.publish(
            "activity.published",
            actor=actor,
            obj=activity,
            org=org,
            data={
                "org_id": org.pk,
                "kind": f.kind,
                "capacity": f.capacity,
                "starts_at": f.starts_at.isoformat(),
            },
        )
    return activity


# What the people signed up are told about when it changes.
_TOLD_FIELDS = ("starts_at", "ends_at", "place")


def activity_update(
    *,
    actor: User,
    activity: Activity,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    capacity: int,
    signup_deadline: datetime.datetime | None = None,
    audience: str = Audience.EVERYONE,
    description: str = "",
    tags: str = "",
    org_life: bool = False,
    now: datetime.datetime | None = None,
) -> Activity:
    """The organiser corrects an activity before it starts. More places move the waiting
    list up (in its order, each told); fewer than those already confirmed are refused; a
    new time or place is told to everyone signed up."""
    now = now or timezone.now()
    if not rules.manages(actor, activity.org):
        raise PermissionDenied("只有发布组织的书记、支委或管理员可以修改活动")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        if activity.state != ActivityState.PUBLISHED:
            raise Refused("活动已取消，不能修改")
        if now >= activity.starts_at:
            raise Refused("活动已开始，不能修改")
        f = _checked(
            kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, place=place,
            capacity=capacity, signup_deadline=signup_deadline, audience=audience,
            description=description, tags=tags, org_life=org_life, now=now,
        )  # fmt: skip
        if f.capacity < activity.confirmed_count:
            raise Refused(f"名额不能少于已报上名的 {activity.confirmed_count} 人", field="capacity")
        signed_up = activity.confirmed_count + activity.waiting_count > 0
        if f.audience != activity.audience and signed_up:
            raise Refused("已经有人报名，不能再更改参加对象", field="audience")
        values = asdict(f)
        changed = sorted(k for k, v in values.items() if getattr(activity, k) != v)
        if not changed:
            return activity
        for name in changed:
            setattr(activity, name, values[name])
        try:
            with transaction.atomic():
                activity.save(update_fields=[*changed])
        except IntegrityError:
            repeat = _open_repeat(
                org=activity.org, title=f.title, starts_at=f.starts_at, actor=activity.created_by
            )
            if repeat is None:
                raise
            raise Refused("同一时间已发布过同名活动，请换个名称或时间", field="title") from None
        moved = _move_up(activity, f.capacity - activity.confirmed_count)
        events.publish(
            "activity.updated",
            actor=actor,
            obj=activity,
            org=activity.org,
            data={
                "org_id": activity.org_id,
                "changed": changed,
                "capacity": f.capacity,
                "starts_at": f.starts_at.isoformat(),
                "moved_up": [row.user_id for row in moved],
            },
        )
        if moved:
            tell(
                [row.user_id for row in moved],
                about=activity,
                org=activity.org,
                kind=ActivityNoticeKind.SIGNUP,
                title=f"候补成功，您已报上名：{activity.title}",
                body=f"{timezone.localtime(activity.starts_at):%m-%d %H:%M} · {activity.place}",
                url=_url(activity),
                actor=None,
            )
        if any(name in _TOLD_FIELDS for name in changed):
            people = Signup.objects.filter(activity=activity).exclude(state=SignupState.CANCELLED)
            tell(
                people.values_list("user_id", flat=True),
                about=activity,
                org=activity.org,
                kind=ActivityNoticeKind.SIGNUP,
                title=f"活动时间或地点有变更：{activity.title}",
                body=f"{timezone.localtime(activity.starts_at):%m-%d %H:%M}—"
                f"{timezone.localtime(activity.ends_at):%H:%M} · {activity.place}",
                url=_url(activity),
                actor=actor,
            )
        activity.refresh_from_db()
    return activity


def _move_up(activity: Activity, places: int) -> list[Signup]:
    """The first `places` of the waiting list take the free places (the caller holds the
    activity's lock)."""
    if places <= 0 or activity.waiting_count == 0:
        return []
    rows = list(
        Signup.objects.filter(activity=activity, state=SignupState.WAITING).order_by(
            "queued_at", "id"
        )[:places]
    )
    if not rows:
        return []
    Signup.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=SignupState.CONFIRMED, updated_at=timezone.now()
    )
    n = len(rows)
    Activity.objects.filter(pk=activity.pk).update(
        confirmed_count=F("confirmed_count") + n, waiting_count=F("waiting_count") - n
    )
    return rows


def activity_cancel(*, actor: User, activity: Activity, reason: str) -> Activity:
    """The organiser calls it off; everyone on it (confirmed or waiting) is told."""
    if not rules.manages(actor, activity.org):
        raise PermissionDenied("只有发布组织的书记、支委或管理员可以取消活动")
    reason = text_in(reason, field="reason", label="取消原因", minimum=2, maximum=200)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        if activity.state == ActivityState.CANCELLED:
            return activity
        transition(
            activity, ACTIVITY_MACHINE, ActivityState.CANCELLED, actor=actor, org=activity.org
        )
        people = Signup.objects.filter(activity=activity).exclude(state=SignupState.CANCELLED)
        tell(
            people.values_list("user_id", flat=True),
            about=activity,
            org=activity.org,
            kind=ActivityNoticeKind.SIGNUP,
            title=f"活动已取消：{activity.title}",
            body=reason,
            url=_url(activity),
            actor=actor,
        )
    return activity


# --- sign-up and the waiting list -------------------------------------------------------------


def signup_join(*, actor: User, activity: Activity, now: datetime.datetime | None = None) -> Signup:
    """Take a place, or the next place on the waiting list when it is full. Signing up
    again while on it (a double click) returns the same row."""
    given = now
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录再报名")
    member = member_of(actor)
    if activity.audience == Audience.MEMBERS and member is None:
        raise PermissionDenied("这个活动仅限党员报名")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        # The queue's order is the order the lock was granted in, not of the requests.
        now = given or timezone.now()
        row = Signup.objects.filter(activity=activity, user=actor).first()
        if row is not None and row.state != SignupState.CANCELLED:
            return row
        if activity.state != ActivityState.PUBLISHED:
            raise Refused("活动已取消")
        if now > activity.signup_deadline:
            raise Refused("报名已截止")
        confirmed = activity.confirmed_count < activity.capacity
        state = SignupState.CONFIRMED if confirmed else SignupState.WAITING
        fields = {
            "state": state,
            "queued_at": now,
            "home_branch": member.org if member is not None else None,
        }
        if row is None:
            row = Signup.objects.create(activity=activity, user=actor, **fields)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.save(update_fields=[*fields, "updated_at"])
        counter = "confirmed_count" if confirmed else "waiting_count"
        Activity.objects.filter(pk=activity.pk).update(**{counter: F(counter) + 1})
    return row


def signup_cancel(
    *, actor: User, activity: Activity, now: datetime.datetime | None = None
) -> Signup | None:
    """Give the place back; the first on the waiting list moves up and is told.
    Returns the person who moved up, if anyone did."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related("org").get(pk=activity.pk)
        row = Signup.objects.filter(activity=activity, user=actor).first()
        if row is None or row.state == SignupState.CANCELLED:
            return None
        if row.checked_in_at is not None:
            raise Refused("您已签到，不能取消报名")
        if now >= activity.starts_at:
            raise Refused("活动已开始，不能取消报名")
        was = row.state
        row.state = SignupState.CANCELLED
        row.save(update_fields=["state", "updated_at"])
        if was == SignupState.WAITING:
            Activity.objects.filter(pk=activity.pk).update(waiting_count=F("waiting_count") - 1)
            return None
        nxt = (
            Signup.objects.filter(activity=activity, state=SignupState.WAITING)
            .order_by("queued_at", "id")
            .first()
        )
        if nxt is None:
            Activity.objects.filter(pk=activity.pk).update(confirmed_count=F("confirmed_count") - 1)
            return None
        nxt.state = SignupState.CONFIRMED
        nxt.save(update_fields=["state", "updated_at"])
        Activity.objects.filter(pk=activity.pk).update(waiting_count=F("waiting_count") - 1)
        tell(
            [nxt.user_id],
            about=activity,
            org=activity.org,
            kind=ActivityNoticeKind.SIGNUP,
            title=f"候补成功，您已报上名：{activity.title}",
            body=f"{timezone.localtime(activity.starts_at):%m-%d %H:%M} · {activity.place}",
            url=_url(activity),
            actor=None,
        )
        return nxt


# --- QR check-in and service hours ------------------------------------------------------------


def checkin_token(activity: Activity, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    return CHECKIN_CODE.make(activity.pk, activity.checkin_key, CHECKIN_CODE.step_at(now))


def activity_for_token(token: str) -> tuple[Activity, ParsedCode]:
    """The activity a QR token names, if its signature is right (any time)."""
    parsed = CHECKIN_CODE.parse(token)
    if parsed is None:
        raise Refused(INVALID)
    activity = Activity.objects.select_related("org").filter(pk=parsed.subject_id).first()
    if activity is None or not CHECKIN_CODE.signature_ok(parsed, activity.checkin_key):
        raise Refused(INVALID)
    return activity, parsed


def credited_hours(activity: Activity, came: datetime.datetime, left: datetime.datetime) -> Decimal:
    """Check-in to check-out, counted only within the activity's own time, in tenths of
    an hour (rounded down)."""
    start, end = max(came, activity.starts_at), min(left, activity.ends_at)
    seconds = max((end - start).total_seconds(), 0)
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def _hours_event(row: Signup, activity: Activity, actor: Any, **extra: Any) -> None:
    events.publish(
        "signup.checked_out",
        actor=actor,
        obj=row,
        org=activity.org,
        data={
            "activity_id": activity.pk,
            "user_id": row.user_id,
            "hours": str(row.hours),
            "home_branch_id": row.home_branch_id,
            **extra,
        },
    )


def signup_scan(*, actor: User, token: str, now: datetime.datetime | None = None) -> Signup:
    """Scan the code at the place: the first scan checks in, the second checks out and
    credits the hours. Only someone with a confirmed place, during the activity."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录再签到")
    activity, parsed = activity_for_token(token)
    if parsed.step > CHECKIN_CODE.step_at(now):
        raise Refused(INVALID)
    if not CHECKIN_CODE.is_current(parsed, now):
        raise Refused("二维码已过期（每 30 秒更新一次），请扫描现场最新的二维码")
    if activity.state != ActivityState.PUBLISHED:
        raise Refused("活动已取消")
    if now < activity.starts_at - datetime.timedelta(minutes=CHECKIN_OPENS_MINUTES):
        raise Refused(f"签到尚未开始：活动开始前 {CHECKIN_OPENS_MINUTES} 分钟开放")
    with transaction.atomic():
        row = Signup.objects.select_for_update().filter(activity=activity, user=actor).first()
        if row is None or row.state != SignupState.CONFIRMED:
            raise Refused("您没有报上这个活动，请联系组织者")
        if row.checked_in_at is None:
            if now > activity.ends_at:
                raise Refused("活动已结束，不能再签到；请联系组织者补录时长")
            row.checked_in_at = now
            row.save(update_fields=["checked_in_at", "updated_at"])
            return row
        if row.checked_out_at is not None:
            raise Refused(f"您已于 {timezone.localtime(row.checked_out_at):%H:%M} 签退，无需重复")
        if now > activity.ends_at + datetime.timedelta(hours=CHECKOUT_CLOSES_HOURS):
            raise Refused("签退时间已过，请联系组织者补录时长")
        if now - row.checked_in_at < datetime.timedelta(minutes=1):
            return row  # the same scan twice: not a check-out
        row.checked_out_at = now
        row.hours = credited_hours(activity, row.checked_in_at, now)
        row.save(update_fields=["checked_out_at", "hours", "updated_at"])
        _hours_event(row, activity, actor)
    return row


def hours_correct(*, actor: User, signup: Signup, hours: Decimal, reason: str) -> Signup:
    """The organiser corrects someone's hours, with a reason (kept, and audited)."""
    activity = signup.activity
    if not rules.manages(actor, activity.org):
        raise PermissionDenied("只有发布组织的书记、支委或管理员可以更正时长")
    reason = text_in(reason, field="reason", label="更正原因", minimum=2, maximum=200)
    longest = credited_hours(activity, activity.starts_at, activity.ends_at)
    if not Decimal(0) <= hours <= longest:
        raise Refused(f"时长应在 0 到 {longest} 小时之间（活动时长）", field="hours")
    with transaction.atomic():
        row = Signup.objects.select_for_update().get(pk=signup.pk)
        if row.state != SignupState.CONFIRMED:
            raise Refused("只能更正已报名人员的时长")
        before = row.hours
        row.hours = hours.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
        row.hours_note = reason
        row.hours_by = actor
        row.save(update_fields=["hours", "hours_note", "hours_by", "updated_at"])
        _hours_event(row, activity, actor, corrected=True, before=str(before), reason=reason)
    return row
