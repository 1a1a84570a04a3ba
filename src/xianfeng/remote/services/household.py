"""入户终端 (远程教育入户): a TV at a member's home, paired to the household (the members
living there). What is watched on it credits nobody by itself: each member of the
household who watched confirms it on their own phone (scanning the QR on the TV, or from
the notice the start sends them), and only they are credited, as 集体收看."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.common.tokens import RotatingCode, new_key
from xianfeng.common.transitions import transition
from xianfeng.lessons.selectors import lessons_reaching_org
from xianfeng.lessons.services import group_viewing_credit
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member
from xianfeng.remote.enums import (
    JOIN_MACHINE,
    VIEWING_MACHINE,
    AudienceGroup,
    JoinState,
    JoinVia,
    PlanNotice,
    SignInHow,
    SiteKind,
    ViewingState,
)
from xianfeng.remote.models import (
    DeviceToken,
    HouseholdJoinRequest,
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
# The 家庭成员扫码加入 QR on the TV: the shared rotating code, changing every 10 minutes and
# accepted for one more step, so an elderly member who has to log in first (an SMS code, a
# forgotten password) still finds it valid when they come back. No per-site key: a code
# only lets its holder *ask* to join (the site admin decides), as the 站点编码 typed by
# hand does; the signature (the site's secret) is what stops a forged site id.
# The longest reason a site admin may give for declining (the model's column).
REASON_MAX = 200
JOIN_CODE = RotatingCode(salt="remote.household_join", step_seconds=600, grace=1)


def is_household(site: Site) -> bool:
    return site.kind == SiteKind.HOUSEHOLD


def _can_manage(user: User, site: Site) -> bool:
    return has_role_over(user, site.org, {RoleKind.SITE_ADMIN, RoleKind.ADMIN})


def household_member_add(*, actor: User, site: Site, member: Member) -> HouseholdMember:
    """Register a member as living in the household an 入户终端 is paired to; a join
    request the member has waiting is settled by it (approved, or withdrawn if it was for
    another household)."""
    if not _can_manage(actor, site):
        raise PermissionDenied("只有本站点的管理员可以登记家庭成员")
    if not is_household(site):
        raise Refused("只有入户终端可以登记家庭成员", field="site")
    if member.status not in ON_ROLL or not member.org.path.startswith(site.org.path):
        raise Refused("只能登记本站点所属组织的党员", field="member")
    with transaction.atomic():
        entry = HouseholdMember.objects.filter(member=member).select_related("site").first()
        if entry is not None and entry.site_id != site.pk:
            raise Refused("该党员已登记在另一户的入户终端", field="member")
        if entry is None:
            entry = HouseholdMember.objects.create(site=site, member=member, added_by=actor)
            audit_log(
                actor=actor,
                action="household.member_add",
                obj=entry,
                org=site.org,
                data={"site": site.code, "member": member.pk},
            )
        for waiting in (
            HouseholdJoinRequest.objects.select_for_update()
            .select_related("site__org", "member")
            .filter(member=member, state=JoinState.PENDING)
        ):
            target = JoinState.APPROVED if waiting.site_id == site.pk else JoinState.WITHDRAWN
            _settle(waiting, target, actor=actor)
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


# --- 家庭成员申请加入 (a member asks from their own phone; the site admin decides) -----------


def household_join_code(site: Site, *, now: datetime.datetime | None = None) -> str:
    """The code the TV's 家庭成员扫码加入 QR carries now."""
    now = now or timezone.now()
    return JOIN_CODE.make(site.pk, "", JOIN_CODE.step_at(now))


def household_site_for_join_code(token: str, *, now: datetime.datetime | None = None) -> Site:
    """The 入户终端 a scanned join QR belongs to, or Refused with the reason."""
    now = now or timezone.now()
    parsed = JOIN_CODE.parse(token)
    site = (
        Site.objects.select_related("org").filter(pk=parsed.subject_id).first() if parsed else None
    )
    if (
        parsed is None
        or site is None
        or not is_household(site)
        or not JOIN_CODE.signature_ok(parsed, "")
    ):
        raise Refused("二维码无效，请扫描电视上的“家庭成员扫码加入”二维码")
    if not JOIN_CODE.is_current(parsed, now):
        raise Refused("二维码已过期，请重新扫描电视上的二维码，或输入电视上显示的站点编码")
    return site


def household_site_for_code(code: str) -> Site:
    """The 入户终端 with the 站点编码 a member typed (spaces and letter case forgiven)."""
    code = "".join(code.split())[:32]
    found = list(
        Site.objects.select_related("org").filter(kind=SiteKind.HOUSEHOLD, code__iexact=code)[:2]
    )
    exact = [site for site in found if site.code == code]
    if exact:
        return exact[0]
    if len(found) != 1:
        raise Refused("找不到该入户终端，请核对电视上显示的站点编码", field="code")
    return found[0]


def household_joiner(user: User, site: Site) -> Member:
    """The person's member record if they may ask to join this household, else Refused."""
    if not is_household(site):
        raise Refused("这不是入户终端，不能申请加入", field="code")
    member = Member.objects.select_related("org").filter(user_id=user.pk).first()
    if member is None or member.status not in ON_ROLL:
        raise Refused("只有党员可以申请加入入户终端的家庭")
    if not paths.is_within(member.org.path, site.org.path):
        # Named by nothing of the site: a code typed by guess learns nothing about a home.
        raise Refused(
            "该入户终端不属于您所在的党组织，不能申请加入。请核对站点编码，"
            "或联系您所在村（社区）的站点管理员"
        )
    taken = HouseholdMember.objects.filter(member=member).select_related("site").first()
    if taken is not None:
        if taken.site_id == site.pk:
            raise Refused("您已是这一户的家庭成员，不用再申请")
        raise Refused(
            f"您已登记在“{taken.site.name}”的家庭中，一人只能属于一户。"
            "如已搬家，请先请站点管理员把您从原来的家庭中移出"
        )
    return member


def _site_admin_ids(site: Site) -> list[int]:
    """Who decides a household's requests: the 站点管理员 of the site's org and above."""
    return sorted(
        set(
            Role.objects.filter(
                org_id__in=paths.ids_in(site.org.path), kind=RoleKind.SITE_ADMIN
            ).values_list("user_id", flat=True)
        )
    )


def household_join_request(
    *, user: User, site: Site, via: str = JoinVia.CODE
) -> HouseholdJoinRequest:
    """A member asks to be registered in an 入户终端's household; it waits for the site
    admin. Asking again changes nothing; asking for another household replaces the
    request still waiting."""
    from xianfeng.notify.services.sending import notify

    if via not in JoinVia.values:
        raise Refused("申请方式无效")
    member = household_joiner(user, site)
    with transaction.atomic():
        # One member's requests one after another (two taps, two tabs).
        Member.objects.select_for_update().filter(pk=member.pk).exists()
        waiting = (
            HouseholdJoinRequest.objects.select_for_update()
            .select_related("site__org", "member")
            .filter(member=member, state=JoinState.PENDING)
            .first()
        )
        if waiting is not None:
            if waiting.site_id == site.pk:
                return waiting
            _settle(waiting, JoinState.WITHDRAWN, actor=user)
        try:
            with transaction.atomic():
                request = HouseholdJoinRequest.objects.create(site=site, member=member, via=via)
        except IntegrityError:
            # The other tap won the race (the constraint keeps one waiting request).
            return HouseholdJoinRequest.objects.get(member=member, state=JoinState.PENDING)
        audit_log(
            actor=user,
            action="household.join_request",
            obj=request,
            org=site.org,
            data={"site": site.code, "member": member.pk, "via": via},
        )
        name = user.name or user.username
        notify(
            users=_site_admin_ids(site),
            title=f"{name}申请加入入户终端：{site.name}",
            body=f"{name}（{member.org.name}）申请登记为“{site.name}”的家庭成员，请核实后同意或拒绝。",
            url=reverse("remote:site_household", args=[site.code]),
            kind=PlanNotice.HOUSEHOLD_JOIN,
            actor=user,
            org=site.org,
            about=request,
        )
    return request


def _settle(request: HouseholdJoinRequest, target: str, *, actor: User, reason: str = "") -> None:
    """Move a waiting request (a locked row) to its end, and tell the member when the site
    admin decided."""
    from xianfeng.notify.services.sending import notify

    site = request.site
    fields: dict[str, object] = {"decided_by": actor, "decided_at": timezone.now()}
    if target == JoinState.DECLINED:
        fields["reason"] = reason
    transition(
        request,
        JOIN_MACHINE,
        target,
        actor=actor,
        org=site.org,
        fields=fields,
        data={"site": site.code, "member": request.member_id},
    )
    if target == JoinState.WITHDRAWN:
        return
    approved = target == JoinState.APPROVED
    notify(
        users=[request.member.user_id],
        title=(
            f"您已加入入户终端：{site.name}"
            if approved
            else f"站点管理员未同意您加入入户终端：{site.name}"
        ),
        body=(
            "家里的电视播放课件时，您可在手机上确认收看，计入您的集体收看。"
            if approved
            else (f"理由：{reason}。" if reason else "")
            + "如有疑问，请联系村（社区）的站点管理员。"
        ),
        url=reverse("remote:household"),
        kind=PlanNotice.HOUSEHOLD_JOIN,
        actor=actor,
        org=site.org,
        about=request,
    )


def household_join_decide(
    *, actor: User, request: HouseholdJoinRequest, approve: bool, reason: str = ""
) -> HouseholdJoinRequest:
    """The site admin approves (the member is registered in the household) or declines a
    waiting request, with a reason the member is told. Deciding the same way twice changes
    nothing."""
    site = request.site
    if not _can_manage(actor, site):
        raise PermissionDenied("只有本站点的管理员可以处理加入申请")
    reason = clean_text(reason, multiline=False).strip() if not approve else ""
    if len(reason) > REASON_MAX:
        raise Refused(f"理由最多 {REASON_MAX} 个字", field="reason")
    target = JoinState.APPROVED if approve else JoinState.DECLINED
    with transaction.atomic():
        locked = (
            HouseholdJoinRequest.objects.select_for_update()
            .select_related("site__org", "member__org", "member__user")
            .get(pk=request.pk)
        )
        if locked.state == target:
            return locked
        if not JOIN_MACHINE.can(locked.state, target):
            raise JOIN_MACHINE.refusal(locked.state, target)
        if approve:
            # Checks again (on the roll, the site's org, one household) and settles it.
            household_member_add(actor=actor, site=locked.site, member=locked.member)
            locked.refresh_from_db()
        else:
            _settle(locked, target, actor=actor, reason=reason)
    return locked


def household_join_withdraw(*, user: User, request: HouseholdJoinRequest) -> HouseholdJoinRequest:
    """The member takes back their own request still waiting (the site admins who were
    asked are told). Withdrawing twice changes nothing; a decided request stays decided."""
    from xianfeng.notify.services.sending import notify

    if request.member.user_id != user.pk:  # the caller's selector already ensures it
        raise PermissionDenied("只能撤回本人的加入申请")
    with transaction.atomic():
        locked = (
            HouseholdJoinRequest.objects.select_for_update()
            .select_related("site__org", "member")
            .get(pk=request.pk)
        )
        if locked.state == JoinState.WITHDRAWN:
            return locked
        if locked.state != JoinState.PENDING:
            raise Refused(
                "站点管理员已同意您的申请，不能再撤回。如需退出这一户，请联系站点管理员"
                if locked.state == JoinState.APPROVED
                else "站点管理员已处理（未同意）您的申请，不能再撤回"
            )
        _settle(locked, JoinState.WITHDRAWN, actor=user)
        site = locked.site
        name = user.name or user.username
        notify(
            users=_site_admin_ids(site),
            title=f"{name}撤回了加入入户终端的申请：{site.name}",
            body=f"{name}撤回了登记为“{site.name}”家庭成员的申请，无需再处理。",
            url=reverse("remote:site_household", args=[site.code]),
            kind=PlanNotice.HOUSEHOLD_JOIN,
            actor=user,
            org=site.org,
            about=locked,
        )
    return locked


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
