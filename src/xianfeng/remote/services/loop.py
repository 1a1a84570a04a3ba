"""The viewing loop: 发布收看计划 → 组织收看 (QR sign-in, 代签, 群众) → 讨论交流 →
收集反馈意见 (1–5, 代录) → 安排下次收看 (the next plan drafted from the summary)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.common.tokens import RotatingCode, new_key
from xianfeng.common.transitions import transition
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.lessons.services import group_viewing_credit
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member
from xianfeng.remote.enums import (
    PLAN_MACHINE,
    VIEWING_MACHINE,
    AudienceGroup,
    PlanNotice,
    PlanState,
    SignInHow,
    SiteKind,
    Topic,
    ViewingState,
)
from xianfeng.remote.models import (
    DeviceToken,
    Feedback,
    Site,
    Viewing,
    ViewingAttendance,
    ViewingPlan,
)

if TYPE_CHECKING:
    from xianfeng.people.models import User

PLAN_ROLES = frozenset({RoleKind.ADMIN})
# The roll call of a viewing: the meetings QR mechanism (common/tokens.py), its own salt.
VIEWING_CODE = RotatingCode(salt="remote.viewing", step_seconds=30, grace=1)
# A TV roll call this much older than its upload was queued offline (noted in the audit).
SEEN_LATE = datetime.timedelta(minutes=2)
# 入户终端: nobody is signed in for someone else; each member confirms on their own phone.
HOUSEHOLD_SELF_ONLY = "入户终端的收看须由家庭成员本人在手机上确认，不能代签"


def can_plan(user: User, org: Org) -> bool:
    return has_role_over(user, org, PLAN_ROLES)


def _can_run(user: User, site: Site) -> bool:
    return has_role_over(user, site.org, {RoleKind.SITE_ADMIN, RoleKind.ADMIN})


# --- plans -------------------------------------------------------------------------------


def plan_create(
    *,
    actor: User,
    org: Org,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lessons: Sequence[Lesson],
    sites: Sequence[Site],
    audience: str = AudienceGroup.ALL,
    note: str = "",
    previous: ViewingPlan | None = None,
) -> ViewingPlan:
    """A draft viewing plan of an org for sites of its subtree."""
    if not can_plan(actor, org):
        raise PermissionDenied("只有本级或上级组织管理员可以发布收看计划")
    title = clean_text(title, multiline=False).strip()
    if not title:
        raise Refused("请填写计划名称", field="title")
    if ends_on < starts_on:
        raise Refused("截止日期不能早于开始日期", field="ends_on")
    if audience not in AudienceGroup.values:
        raise Refused("受众不正确", field="audience")
    if not lessons:
        raise Refused("请至少选择一个课件", field="lessons")
    if not sites:
        raise Refused("请至少选择一个站点", field="sites")
    if any(not site.org.path.startswith(org.path) for site in sites):
        raise Refused("只能为本组织之下的站点安排收看", field="sites")
    visible = set(
        published_lessons_for(actor)
        .filter(pk__in=[lesson.pk for lesson in lessons])
        .values_list("pk", flat=True)
    )
    if visible != {lesson.pk for lesson in lessons}:
        raise Refused("所选课件中有您看不到的或未发布的", field="lessons")
    with transaction.atomic():
        plan = ViewingPlan.objects.create(
            org=org,
            title=title[:200],
            starts_on=starts_on,
            ends_on=ends_on,
            audience=audience,
            note=clean_text(note).strip(),
            previous=previous,
            created_by=actor,
        )
        plan.lessons.set(lessons)
        plan.sites.set(sites)
        audit_log(actor=actor, action="viewing_plan.create", obj=plan, org=org, data={})
    return plan


def plan_publish(*, actor: User, plan: ViewingPlan) -> ViewingPlan:
    """Publish a draft: the sites' admins are told; the plan shows on their TVs."""
    from xianfeng.notify.services.sending import notify

    if not can_plan(actor, plan.org):
        raise PermissionDenied("只有本级或上级组织管理员可以发布收看计划")
    with transaction.atomic():
        plan = ViewingPlan.objects.select_for_update().select_related("org").get(pk=plan.pk)
        transition(
            plan,
            PLAN_MACHINE,
            PlanState.PUBLISHED,
            actor=actor,
            org=plan.org,
            fields={"published_at": timezone.now()},
        )
        site_orgs = list(plan.sites.values_list("org_id", flat=True))
        admins = Role.objects.filter(org_id__in=site_orgs, kind=RoleKind.SITE_ADMIN).values_list(
            "user_id", flat=True
        )
        notify(
            users=list(admins),
            title=f"收看计划：{plan.title}",
            body=f"请于 {plan.ends_on:%Y-%m-%d} 前组织收看",
            url=reverse("remote:plan", args=[plan.pk]),
            kind=PlanNotice.PUBLISHED,
            actor=actor,
            org=plan.org,
            about=plan,
        )
    return plan


# --- viewings ----------------------------------------------------------------------------


def viewing_start(
    *,
    actor: User,
    site: Site,
    title: str = "",
    lessons: Sequence[Lesson] = (),
    plan: ViewingPlan | None = None,
    place: str = "",
    audience: str = AudienceGroup.ALL,
    starts_at: datetime.datetime | None = None,
) -> Viewing:
    """The site admin starts a viewing (from the plan, or of lessons they choose)."""
    if not _can_run(actor, site):
        raise PermissionDenied("只有本站点的管理员可以组织收看")
    if plan is not None:
        if plan.state != PlanState.PUBLISHED or not plan.sites.filter(pk=site.pk).exists():
            raise Refused("该收看计划不包括本站点", field="plan")
        lessons = list(lessons) or list(plan.lessons.all())
        title = title or plan.title
        audience = plan.audience
    title = clean_text(title, multiline=False).strip()
    if not title:
        raise Refused("请填写收看主题", field="title")
    if not lessons:
        raise Refused("请至少选择一个课件", field="lessons")
    with transaction.atomic():
        viewing = Viewing.objects.create(
            site=site,
            plan=plan,
            title=title[:200],
            place=clean_text(place, multiline=False).strip()[:200],
            audience=audience,
            starts_at=starts_at or timezone.now(),
            code_key=new_key(),
            created_by=actor,
        )
        viewing.lessons.set(lessons)
        audit_log(
            actor=actor,
            action="viewing.start",
            obj=viewing,
            org=site.org,
            data={"site": site.code, "plan": plan.pk if plan else None},
        )
    return viewing


def viewing_code(viewing: Viewing, *, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    return VIEWING_CODE.make(viewing.pk, viewing.code_key, VIEWING_CODE.step_at(now))


def viewing_for_code(token: str, *, now: datetime.datetime | None = None) -> Viewing:
    """The open viewing a scanned code belongs to, or Refused with the reason."""
    now = now or timezone.now()
    parsed = VIEWING_CODE.parse(token)
    viewing = (
        Viewing.objects.select_related("site", "site__org").filter(pk=parsed.subject_id).first()
        if parsed
        else None
    )
    if parsed is None or viewing is None or not VIEWING_CODE.signature_ok(parsed, viewing.code_key):
        raise Refused("签到码无效")
    if not VIEWING_CODE.is_current(parsed, now):
        raise Refused("签到码已过期，请扫描屏幕上最新的二维码")
    if viewing.state != ViewingState.OPEN:
        raise Refused("本次收看已结束，不能再签到")
    return viewing


def viewing_checkin(
    *, user: User, token: str, now: datetime.datetime | None = None
) -> ViewingAttendance:
    """A person scans the code on the screen with their own phone (idempotent). On an
    入户终端 the scan is a household member's confirmation (services/household.py)."""
    viewing = viewing_for_code(token, now=now)
    if viewing.site.kind == SiteKind.HOUSEHOLD:
        from xianfeng.remote.services.household import household_confirm

        return household_confirm(user=user, viewing=viewing, now=now)
    with transaction.atomic():
        attendance, created = ViewingAttendance.objects.get_or_create(
            viewing=viewing,
            user=user,
            defaults={
                "how": SignInHow.QR,
                "is_member": Member.objects.filter(user=user).exists(),
            },
        )
        if created:
            audit_log(actor=user, action="viewing.checkin", obj=attendance, org=viewing.site.org)
    return attendance


def viewing_proxy_sign(*, actor: User, viewing: Viewing, member: Member) -> ViewingAttendance:
    """代签: the admin signs in a member without a phone (only members of the site's org)."""
    if not _can_run(actor, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以代签")
    if viewing.site.kind == SiteKind.HOUSEHOLD:
        raise Refused(HOUSEHOLD_SELF_ONLY)
    if viewing.state == ViewingState.CANCELLED:
        raise Refused("本次收看已取消")
    if not member.org.path.startswith(viewing.site.org.path):
        raise Refused("只能为本站点所属组织的党员代签", field="member")
    with transaction.atomic():
        attendance, created = ViewingAttendance.objects.get_or_create(
            viewing=viewing,
            user_id=member.user_id,
            defaults={"how": SignInHow.PROXY, "is_member": True, "recorded_by": actor},
        )
        if created:
            audit_log(
                actor=actor, action="viewing.proxy_sign", obj=attendance, org=viewing.site.org
            )
    return attendance


@dataclass(frozen=True)
class RollCall:
    """What the TV learns of a roll call it sent (possibly again, from its queue)."""

    attendance: ViewingAttendance
    created: bool
    count: int


def viewing_tv_roll_call(
    *,
    device: DeviceToken,
    viewing: Viewing,
    member_id: int,
    at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> RollCall:
    """点名 on the site's TV: the remote ticks a member of the site's org who has no phone
    (代签 by the device). The TV queues ticks made offline and sends them later with their
    own time, like its heartbeats, so the same limits apply (at most 5 minutes ahead, at
    most 7 days late). Sending the same tick again changes nothing (one attendance per
    person and viewing); a tick arriving after the viewing ended is still credited as
    集体收看, as an entered roll-call sheet is."""
    from xianfeng.remote import counting

    now = now or timezone.now()
    at = at or now
    if viewing.site_id != device.site_id:  # the caller's selector already ensures it
        raise PermissionDenied("设备只能为本站点的收看点名")
    if at.tzinfo is None:
        raise Refused("点名时间须带时区，例如 2026-12-01T19:05:00+08:00", field="at")
    if at > now + counting.MAX_AHEAD:
        raise Refused("点名时间比服务器时间晚 5 分钟以上，请校准设备时钟", field="at")
    if at < now - counting.MAX_LATE:
        raise Refused("点名时间早于 7 天前，不再计入", field="at")
    site = viewing.site
    if site.kind == SiteKind.HOUSEHOLD:
        raise Refused(HOUSEHOLD_SELF_ONLY)
    member = (
        Member.objects.filter(pk=member_id, org__path__startswith=site.org.path, status__in=ON_ROLL)
        .select_related("user")
        .first()
    )
    if member is None:
        raise Refused("只能为本站点所属组织的党员点名", field="member")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().get(pk=viewing.pk)
        if viewing.state == ViewingState.CANCELLED:
            raise Refused("本次收看已取消")
        attendance, created = ViewingAttendance.objects.get_or_create(
            viewing=viewing,
            user_id=member.user_id,
            defaults={
                "how": SignInHow.PROXY,
                "is_member": True,
                "recorded_by_id": device.created_by_id,
            },
        )
        if created:
            # The tick's own time, not the upload's (auto_now_add sets the latter).
            ViewingAttendance.objects.filter(pk=attendance.pk).update(at=at)
            attendance.at = at
            audit_log(
                actor=None,
                action="viewing.tv_roll_call",
                obj=attendance,
                org=site.org,
                data={"device": device.pk, "at": at.isoformat(), "late": (now - at) > SEEN_LATE},
            )
            if viewing.state == ViewingState.HELD:
                viewing_credit(actor=None, viewing=viewing)
        count = viewing.attendance.count()
    return RollCall(attendance=attendance, created=created, count=count)


def viewing_record(
    *,
    actor: User,
    viewing: Viewing,
    residents: int | None = None,
    discussion: str | None = None,
) -> Viewing:
    """The number of 群众 (non-member residents) who came, the 讨论交流 summary."""
    if not _can_run(actor, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以记录收看情况")
    if residents is not None and not 0 <= residents <= 10_000:
        raise Refused("群众人数应在 0 到 10000 之间", field="residents")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().get(pk=viewing.pk)
        if viewing.state == ViewingState.CANCELLED:
            raise Refused("本次收看已取消")
        fields = []
        if residents is not None:
            viewing.residents = residents
            fields.append("residents")
        if discussion is not None:
            viewing.discussion = clean_text(discussion).strip()[:5000]
            fields.append("discussion")
        viewing.save(update_fields=fields)
        audit_log(
            actor=actor,
            action="viewing.record",
            obj=viewing,
            data={"residents": viewing.residents},
        )
    return viewing


def viewing_end(*, actor: User, viewing: Viewing) -> Viewing:
    """The viewing is over: every attendee is credited with its lessons as 集体收看."""
    if not _can_run(actor, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以结束收看")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().select_related("site__org").get(pk=viewing.pk)
        now = timezone.now()
        transition(
            viewing,
            VIEWING_MACHINE,
            ViewingState.HELD,
            actor=actor,
            org=viewing.site.org,
            fields={"ended_at": now},
        )
        viewing_credit(actor=actor, viewing=viewing)
    return viewing


def viewing_credit(*, actor: User | None, viewing: Viewing) -> int:
    """Credit every attendee of a held viewing with its lessons as 集体收看 (idempotent:
    those already credited are not counted again). Returns how many credits are new."""
    return group_viewing_credit(
        actor=actor,
        lesson_ids=list(viewing.lessons.values_list("pk", flat=True)),
        user_ids=list(viewing.attendance.values_list("user_id", flat=True)),
        source="remote.viewing",
        source_id=viewing.pk,
        viewed_on=timezone.localtime(viewing.starts_at).date(),
    )


def viewing_cancel(*, actor: User, viewing: Viewing) -> Viewing:
    if not _can_run(actor, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以取消收看")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().select_related("site__org").get(pk=viewing.pk)
        transition(
            viewing, VIEWING_MACHINE, ViewingState.CANCELLED, actor=actor, org=viewing.site.org
        )
    return viewing


# --- feedback ----------------------------------------------------------------------------


def feedback_give(
    *,
    user: User,
    viewing: Viewing,
    rating: int,
    comment: str = "",
    wanted: str = "",
    proxy_by: User | None = None,
) -> Feedback:
    """An attendee rates a viewing (or the admin enters it for them: 代录); a second
    answer replaces the first."""
    if proxy_by is not None and not _can_run(proxy_by, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以代录反馈")
    if viewing.state == ViewingState.CANCELLED:
        raise Refused("本次收看已取消")
    if not ViewingAttendance.objects.filter(viewing=viewing, user=user).exists():
        raise Refused("只有签到参加了本次收看的人可以反馈", field="user")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Refused("评分应为 1 到 5 分", field="rating")
    if wanted and wanted not in Topic.values:
        raise Refused("想看的内容不正确", field="wanted")
    with transaction.atomic():
        feedback, _ = Feedback.objects.update_or_create(
            viewing=viewing,
            user=user,
            defaults={
                "rating": rating,
                "comment": clean_text(comment).strip()[:2000],
                "wanted": wanted,
                "proxy_by": proxy_by,
            },
        )
        audit_log(
            actor=proxy_by or user,
            action="feedback.proxy" if proxy_by else "feedback.give",
            obj=feedback,
            org=viewing.site.org,
            data={"rating": rating},
        )
    return feedback


# --- the summary and the next plan ---------------------------------------------------------


@dataclass
class PlanSummary:
    plan: ViewingPlan
    viewings: int
    done_sites: list[Site]
    missing_sites: list[Site]
    members: int
    residents: int
    feedback_count: int
    mean_rating: Decimal | None
    wanted: list[tuple[str, int]]  # (label, count), most requested first
    comments: list[str] = field(default_factory=list)


def plan_summary(plan: ViewingPlan) -> PlanSummary:
    """What the publisher reads before the next plan: carried out where, by how many,
    how it was rated, what people want next."""
    held = Viewing.objects.filter(plan=plan, state=ViewingState.HELD)
    sites = list(plan.sites.select_related("org").order_by("code"))
    done_ids = set(held.values_list("site_id", flat=True))
    attendance = ViewingAttendance.objects.filter(viewing__in=held)
    members = attendance.filter(is_member=True).count()
    # 群众: those the admin counted (no account, no scan) and registered residents who
    # scanned the code themselves; the form asks only for the former, so none is counted twice.
    residents = (
        sum(held.values_list("residents", flat=True)) + attendance.filter(is_member=False).count()
    )
    feedback = Feedback.objects.filter(viewing__in=held)
    agg = feedback.aggregate(n=Count("pk"), mean=Avg("rating"))
    mean = (
        Decimal(str(agg["mean"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if agg["mean"] is not None
        else None
    )
    labels = dict(Topic.choices)
    wanted = Counter(feedback.exclude(wanted="").values_list("wanted", flat=True))
    ranked = sorted(wanted.items(), key=lambda item: (-item[1], item[0]))
    comments = [
        c
        for c in feedback.exclude(comment="")
        .order_by("-updated_at")
        .values_list("comment", flat=True)[:10]
    ]
    return PlanSummary(
        plan=plan,
        viewings=held.count(),
        done_sites=[s for s in sites if s.pk in done_ids],
        missing_sites=[s for s in sites if s.pk not in done_ids],
        members=members,
        residents=residents,
        feedback_count=agg["n"],
        mean_rating=mean,
        wanted=[(str(labels[key]), n) for key, n in ranked],
        comments=comments,
    )


def plan_draft_next(*, actor: User, plan: ViewingPlan) -> ViewingPlan:
    """One step from the summary to the next plan: the same sites and audience, the next
    period of the same length, the most requested topic's lessons (and, for sites that
    did not carry the plan out, its lessons again); the summary goes into the note."""
    summary = plan_summary(plan)
    length = (plan.ends_on - plan.starts_on).days
    starts_on = plan.ends_on + datetime.timedelta(days=1)
    shown = set(plan.lessons.values_list("pk", flat=True))
    lessons: list[Lesson] = []
    if summary.wanted:
        top_label = summary.wanted[0][0]
        lessons = list(
            published_lessons_for(actor)
            .filter(tags__name=top_label)
            .exclude(pk__in=shown)
            .order_by("-published_at", "-pk")[:5]
        )
    if summary.missing_sites or not lessons:
        lessons += list(plan.lessons.exclude(pk__in=[lesson.pk for lesson in lessons]))
    wanted = "、".join(f"{label}（{n} 人）" for label, n in summary.wanted[:3]) or "无"
    missing = "、".join(s.name for s in summary.missing_sites) or "无"
    rating = f"{summary.mean_rating} 分" if summary.mean_rating is not None else "暂无评分"
    note = (
        f"根据上期“{plan.title}”的反馈拟定：{summary.viewings} 场收看，"
        f"党员 {summary.members} 人次、群众 {summary.residents} 人次；"
        f"平均评分 {rating}；群众最想看：{wanted}；"
        f"未完成的站点：{missing}。"
    )
    return plan_create(
        actor=actor,
        org=plan.org,
        title=f"{plan.title}（下期）",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=length),
        lessons=lessons,
        sites=list(plan.sites.select_related("org")),
        audience=plan.audience,
        note=note,
        previous=plan,
    )
