"""入户终端 (远程教育入户): a TV at a member's home, paired to the household (the members
living there). What is watched on it credits nobody by itself: each member of the
household who watched confirms it on their own phone (scanning the QR on the TV, or from
the notice the start sends them), and only they are credited, as 集体收看."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.tokens import new_key
from xianfeng.common.transitions import transition
from xianfeng.lessons.selectors import lessons_reaching_org
from xianfeng.lessons.services import group_viewing_credit
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member
from xianfeng.remote.enums import (
    VIEWING_MACHINE,
    AudienceGroup,
    PlanNotice,
    SignInHow,
    SiteKind,
    ViewingState,
)
from xianfeng.remote.models import (
    DeviceToken,
    HouseholdMember,
    Site,
    Viewing,
    ViewingAttendance,
)

if TYPE_CHECKING:
    from xianfeng.people.models import User

# Most lessons a household viewing shows at once (a TV plays one after another).
MAX_LESSONS = 10
# A household viewing the TV never ended (switched off at the wall) closes by itself this
# long after it started; a confirmation after that is refused.
STALE_AFTER = datetime.timedelta(hours=6)


def is_household(site: Site) -> bool:
    return site.kind == SiteKind.HOUSEHOLD


def _can_manage(user: User, site: Site) -> bool:
    return has_role_over(user, site.org, {RoleKind.SITE_ADMIN, RoleKind.ADMIN})


def household_member_add(*, actor: User, site: Site, member: Member) -> HouseholdMember:
    """Register a member as living in the household an 入户终端 is paired to."""
    if not _can_manage(actor, site):
        raise PermissionDenied("只有本站点的管理员可以登记家庭成员")
    if not is_household(site):
        raise Refused("只有入户终端可以登记家庭成员", field="site")
    if member.status not in ON_ROLL or not member.org.path.startswith(site.org.path):
        raise Refused("只能登记本站点所属组织的党员", field="member")
    with transaction.atomic():
        taken = HouseholdMember.objects.filter(member=member).select_related("site").first()
        if taken is not None:
            if taken.site_id == site.pk:
                return taken
            raise Refused("该党员已登记在另一户的入户终端", field="member")
        entry = HouseholdMember.objects.create(site=site, member=member, added_by=actor)
        audit_log(
            actor=actor,
            action="household.member_add",
            obj=entry,
            org=site.org,
            data={"site": site.code, "member": member.pk},
        )
    return entry


def household_member_remove(*, actor: User, entry: HouseholdMember) -> None:
    """Take a member off a household (moved out); their past confirmations stay."""
    site = entry.site
    if not _can_manage(actor, site):
        raise PermissionDenied("只有本站点的管理员可以修改家庭成员")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="household.member_remove",
            obj=entry,
            org=site.org,
            data={"site": site.code, "member": entry.member_id},
        )
        entry.delete()


def _close(viewing: Viewing, *, actor: User | None) -> Viewing:
    """Held when someone of the household confirmed, otherwise cancelled (nothing to count:
    an unconfirmed household viewing is no viewing in the site's figures)."""
    confirmed = viewing.attendance.exists()
    target = ViewingState.HELD if confirmed else ViewingState.CANCELLED
    fields = {"ended_at": timezone.now()} if confirmed else {}
    transition(viewing, VIEWING_MACHINE, target, actor=actor, org=viewing.site.org, fields=fields)
    return viewing


def household_close_stale(*, now: datetime.datetime | None = None) -> int:
    """Close the open household viewings TVs left behind (older than STALE_AFTER)."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        for viewing in (
            Viewing.objects.select_for_update()
            .select_related("site__org")
            .filter(
                site__kind=SiteKind.HOUSEHOLD,
                state=ViewingState.OPEN,
                starts_at__lt=now - STALE_AFTER,
            )
        ):
            _close(viewing, actor=None)
            closed += 1
    return closed


def household_viewing_start(
    *,
    device: DeviceToken,
    lesson_ids: Sequence[int],
    now: datetime.datetime | None = None,
) -> Viewing:
    """The household's TV starts playing lessons: a viewing opens (the one before it, if the
    TV never ended it, closes), and the household's members are told so they can confirm
    on their phones that they are watching."""
    from xianfeng.notify.services.sending import notify

    site = device.site
    if not is_household(site):
        raise Refused("只有入户终端可以开始家庭收看")
    now = now or timezone.now()
    wanted = sorted(set(lesson_ids))
    if not wanted:
        raise Refused("请至少选择一个课件", field="lessons")
    if len(wanted) > MAX_LESSONS:
        raise Refused(f"一次最多播放 {MAX_LESSONS} 个课件", field="lessons")
    lessons = list(lessons_reaching_org(site.org).filter(pk__in=wanted).order_by("pk"))
    if len(lessons) != len(wanted):
        raise Refused("所选课件中有本终端不能播放的", field="lessons")
    household = list(
        HouseholdMember.objects.filter(site=site).values_list("member__user_id", flat=True)
    )
    if not household:
        raise Refused("本入户终端还没有登记家庭成员，请联系站点管理员")
    with transaction.atomic():
        for previous in (
            Viewing.objects.select_for_update()
            .select_related("site__org")
            .filter(site=site, state=ViewingState.OPEN)
        ):
            _close(previous, actor=None)
        viewing = Viewing.objects.create(
            site=site,
            title=lessons[0].title[:200],
            place=site.address[:200],
            audience=AudienceGroup.ALL,
            starts_at=now,
            code_key=new_key(),
            created_by_id=device.created_by_id,
        )
        viewing.lessons.set(lessons)
        audit_log(
            actor=None,
            action="household.viewing_start",
            obj=viewing,
            org=site.org,
            data={"site": site.code, "device": device.pk, "lessons": wanted},
        )
        notify(
            users=household,
            title=f"家里的电视正在播放：{viewing.title}",
            body="您如在收看，请点开确认，计入您的集体收看；没有收看请勿确认。",
            url=reverse("remote:household"),
            kind=PlanNotice.HOUSEHOLD,
            org=site.org,
            about=viewing,
        )
    return viewing


def household_viewing_end(*, device: DeviceToken, viewing: Viewing) -> Viewing:
    """The TV finished (or stopped) playing: held if anyone confirmed, else cancelled.
    Ending an ended viewing changes nothing."""
    if viewing.site_id != device.site_id:  # the caller's selector already ensures it
        raise PermissionDenied("设备只能结束本终端的收看")
    if not is_household(device.site):
        # A village TV's viewings are ended by its admin (viewing_end), never by the box.
        raise Refused("只有入户终端可以结束家庭收看")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().select_related("site__org").get(pk=viewing.pk)
        if viewing.state == ViewingState.OPEN:
            _close(viewing, actor=None)
    return viewing


def household_confirm(
    *, user: User, viewing: Viewing, now: datetime.datetime | None = None
) -> ViewingAttendance:
    """A member of the household confirms, on their own phone, that they watched: they
    (and only they) are credited with the viewing's lessons. Confirming twice changes
    nothing."""
    now = now or timezone.now()
    site = viewing.site
    if not is_household(site):
        raise Refused("这不是入户终端的收看")
    member = Member.objects.filter(user=user, household__site=site).first()
    if member is None:
        raise Refused("只有登记在本户的党员可以确认入户收看")
    with transaction.atomic():
        viewing = Viewing.objects.select_for_update().select_related("site__org").get(pk=viewing.pk)
        if viewing.state != ViewingState.OPEN or viewing.starts_at < now - STALE_AFTER:
            raise Refused("本次收看已结束，不能再确认")
        attendance, created = ViewingAttendance.objects.get_or_create(
            viewing=viewing,
            user=user,
            defaults={"how": SignInHow.CONFIRM, "is_member": True},
        )
        if created:
            audit_log(actor=user, action="household.confirm", obj=attendance, org=site.org)
            group_viewing_credit(
                actor=user,
                lesson_ids=list(viewing.lessons.values_list("pk", flat=True)),
                user_ids=[user.pk],
                source="remote.viewing",
                source_id=viewing.pk,
                viewed_on=timezone.localtime(viewing.starts_at).date(),
            )
    return attendance
