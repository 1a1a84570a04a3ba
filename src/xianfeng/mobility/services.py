"""流动党员: outbound registration, the home branch's quarterly contacts, what the member
did at the place, coming back, and the reminder when a quarter passes without contact."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.services import meeting_guests_refresh
from xianfeng.mobility.enums import (
    HOSTED_KIND,
    REMINDER_KIND,
    ActivityKind,
    ContactWay,
    quarter_label,
    quarter_of,
    quarter_start,
)
from xianfeng.mobility.models import (
    EDITABLE_FIELDS,
    MobileActivity,
    MobileContact,
    MobileRecord,
    MobileRecordChange,
)
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import MEMBER_ORG_KINDS
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member, User
from xianfeng.people.selectors import branch_managers
from xianfeng.people.services.history import member_set_mobile

if TYPE_CHECKING:
    from xianfeng.audit.events import Event


def _text(value: str, label: str, limit: int, *, required: bool = True, field: str = "") -> str:
    value = clean_text(value, multiline=False).strip()
    if required and not value:
        raise Refused(f"请填写{label}", field=field or None)
    if len(value) > limit:
        raise Refused(f"{label}最多 {limit} 个字", field=field or None)
    return value


@dataclass
class Away:
    """What the home branch registers about a member going away."""

    place: str
    phone: str
    left_on: datetime.date
    workplace: str = ""
    host_org: Org | None = None
    host_name: str = ""
    host_contact: str = ""
    card_number: str = ""
    expected_back: datetime.date | None = None
    note: str = ""


def _cleaned(away: Away, *, home_org_id: int) -> dict[str, Any]:
    """The registration's fields checked and normalised (for a new one and an edit)."""
    place = _text(away.place, "流入地", 100, field="place")
    phone = _text(away.phone, "外出联系电话", 20, field="phone")
    workplace = _text(away.workplace, "工作单位", 100, required=False, field="workplace")
    host_name = _text(away.host_name, "流入地党组织", 100, required=False, field="host_name")
    host_contact = _text(
        away.host_contact, "流入地联系人", 100, required=False, field="host_contact"
    )
    card = _text(away.card_number, "活动证编号", 40, required=False, field="card_number")
    note = _text(away.note, "备注", 200, required=False, field="note")
    today = timezone.localdate()
    if away.left_on > today:
        raise Refused("外出日期不能晚于今天", field="left_on")
    if away.expected_back is not None and away.expected_back < away.left_on:
        raise Refused("预计返回日期不能早于外出日期", field="expected_back")
    if away.host_org is not None:
        if away.host_org.kind not in MEMBER_ORG_KINDS:
            raise Refused("流入地党组织应为党支部、党总支或党委", field="host_org")
        if away.host_org.pk == home_org_id:
            raise Refused("流入地党组织不能是本支部", field="host_org")
        host_name = ""
    return {
        "place": place, "workplace": workplace, "phone": phone, "host_org": away.host_org,
        "host_name": host_name, "host_contact": host_contact, "card_number": card,
        "left_on": away.left_on, "expected_back": away.expected_back, "note": note,
    }  # fmt: skip


def _tell_host(*, actor: User, record: MobileRecord, member: Member, changed: bool) -> None:
    """The org at the place, when it is in the system, learns that a member of another
    branch is registered to it (or that the registration changed)."""
    host = record.host_org
    if host is None:
        return
    name = member.user.name
    what = "的流动党员登记有变更" if changed else "外出到你处，登记由你组织联系管理"
    notify(
        users=branch_managers(host.pk),
        title=f"流动党员：{record.home_org.name} {name}{what}",
        body=f"流入地：{record.place}；外出日期 {record.left_on:%Y-%m-%d}。"
        "请在“流动党员 · 在本地的外来流动党员”中查看，并记录其参加的组织生活。",
        url=reverse("mobility:detail", args=[record.pk]),
        kind=HOSTED_KIND,
        actor=actor,
        org=host,
        about=record,
    )


def mobile_register(*, actor: User, member: Member, away: Away) -> MobileRecord:
    """外出登记: the home branch records where the member went and who looks after them
    there; the roster shows them as 流动党员 until they come back."""
    if not can_manage_roster(actor, member.org):
        raise PermissionDenied("您不能为该党员办理外出登记")
    fields = _cleaned(away, home_org_id=member.org_id)
    card = fields["card_number"]
    try:
        with transaction.atomic():
            member = (
                Member.objects.select_for_update(of=("self",))
                .select_related("org", "user")
                .get(pk=member.pk)
            )
            if member.status not in ON_ROLL or member.left_on is not None:
                raise Refused(f"该党员已{member.get_status_display()}，不能办理外出登记")
            if MobileRecord.objects.filter(member=member, returned_on__isnull=True).exists():
                raise Refused("该党员已有外出登记，请先登记返回")
            if card and MobileRecord.objects.filter(card_number=card).exists():
                raise Refused(f"活动证编号 {card} 已被使用", field="card_number")
            record = MobileRecord.objects.create(
                member=member, home_org=member.org, created_by=actor, **fields
            )
            member_set_mobile(member=member, place=fields["place"])
            audit_log(
                actor=actor, action="mobile.registered", obj=record, org=member.org,
                data={"member_id": member.pk, "place": fields["place"],
                      "host_org_id": away.host_org and away.host_org.pk,
                      "left_on": away.left_on.isoformat()},
            )  # fmt: skip
            _tell_host(actor=actor, record=record, member=member, changed=False)
            _refresh_meetings(record.host_org_id)
    except IntegrityError as exc:  # the same form twice at once
        raise Refused("该党员已有外出登记，请先登记返回") from exc
    return record


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Org):
        return f"{value.name}（{value.code}）" if value.code else value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def mobile_update(*, actor: User, record: MobileRecord, away: Away) -> MobileRecordChange | None:
    """The home branch corrects or updates a registration (the member changed jobs or phone,
    the dates moved, another org there looks after them). Each edit keeps what changed,
    from what to what, by whom; an edit that changes nothing records nothing."""
    _home_manager(actor, record)
    fields = _cleaned(away, home_org_id=record.home_org_id)
    try:
        with transaction.atomic():
            # of=self: PostgreSQL cannot lock the nullable side of the join (host_org).
            record = (
                MobileRecord.objects.select_for_update(of=("self",))
                .select_related("host_org", "home_org", "member__user")
                .get(pk=record.pk)
            )
            left_on = fields["left_on"]
            if record.returned_on is not None and left_on > record.returned_on:
                raise Refused("外出日期不能晚于返回日期", field="left_on")
            earliest = [
                day
                for day in (
                    MobileContact.objects.filter(record=record).aggregate(m=Min("on"))["m"],
                    MobileActivity.objects.filter(record=record).aggregate(m=Min("on"))["m"],
                )
                if day is not None
            ]
            if earliest and left_on > min(earliest):
                raise Refused(
                    f"已有 {min(earliest):%Y-%m-%d} 的联系或活动记录，外出日期不能晚于该日",
                    field="left_on",
                )
            card = fields["card_number"]
            if (
                card
                and card != record.card_number
                and MobileRecord.objects.filter(card_number=card).exclude(pk=record.pk).exists()
            ):
                raise Refused(f"活动证编号 {card} 已被使用", field="card_number")
            old_host = record.host_org
            changes: dict[str, list[str]] = {}
            for name in EDITABLE_FIELDS:
                before, after = getattr(record, name), fields[name]
                if before != after:
                    changes[name] = [_shown(before), _shown(after)]
                    setattr(record, name, after)
            if not changes:
                return None
            record.save(update_fields=list(changes))
            change = MobileRecordChange.objects.create(
                record=record, changes=changes, changed_by=actor
            )
            if "place" in changes and record.returned_on is None:
                member = Member.objects.select_for_update().get(pk=record.member_id)
                member_set_mobile(member=member, place=record.place)
            # The values stay in the record's history (the phone is personal data).
            audit_log(
                actor=actor, action="mobile.updated", obj=record, org=record.home_org,
                data={"member_id": record.member_id, "fields": sorted(changes)},
            )  # fmt: skip
            if record.returned_on is None:
                _tell_host(
                    actor=actor, record=record, member=record.member,
                    changed="host_org" not in changes,
                )  # fmt: skip
            hosts = {record.host_org_id, old_host.pk if old_host else None}
            if {"host_org", "left_on", "returned_on"} & set(changes):
                for host_id in hosts:
                    _refresh_meetings(host_id)
            if record.returned_on is None and "host_org" in changes and old_host is not None:
                notify(
                    users=branch_managers(old_host.pk),
                    title=f"流动党员：{record.home_org.name} {record.member.user.name}"
                    "已不再由你组织联系管理",
                    url=reverse("mobility:index"),
                    kind=HOSTED_KIND,
                    actor=actor,
                    org=old_host,
                )
    except IntegrityError as exc:  # the card number taken at the same moment
        raise Refused(f"活动证编号 {fields['card_number']} 已被使用", field="card_number") from exc
    return change


def _home_manager(actor: User, record: MobileRecord) -> None:
    if not can_manage_roster(actor, record.home_org):
        raise PermissionDenied("只有流出支部可以办理")


def mobile_return(*, actor: User, record: MobileRecord, on: datetime.date) -> MobileRecord:
    """The member came back (or settled and transferred): the stretch away ends."""
    _home_manager(actor, record)
    if on > timezone.localdate():
        raise Refused("返回日期不能晚于今天", field="returned_on")
    if on < record.left_on:
        raise Refused("返回日期不能早于外出日期", field="returned_on")
    with transaction.atomic():
        record = MobileRecord.objects.select_for_update().get(pk=record.pk)
        if record.returned_on is not None:
            raise Refused("已登记返回")
        record.returned_on = on
        record.save(update_fields=["returned_on"])
        member = Member.objects.select_for_update().get(pk=record.member_id)
        member_set_mobile(member=member, place=None)
        audit_log(
            actor=actor, action="mobile.returned", obj=record, org=record.home_org,
            data={"member_id": member.pk, "on": on.isoformat()},
        )  # fmt: skip
        _refresh_meetings(record.host_org_id)
    return record


def _refresh_meetings(host_org_id: int | None) -> None:
    """The host branch's meetings still to come expect the member for the days of their
    stay, and no longer after it (meetings.services.meeting_guests_refresh, which reads
    the stays back through meetings.guests)."""
    if host_org_id is not None:
        meeting_guests_refresh(branch_id=host_org_id)


def _on(day: datetime.date, record: MobileRecord, label: str) -> None:
    if day > timezone.localdate():
        raise Refused(f"{label}不能晚于今天", field="on")
    if day < record.left_on or (record.returned_on and day > record.returned_on):
        raise Refused(f"{label}应在外出期间内", field="on")


def mobile_contact_add(
    *, actor: User, record: MobileRecord, on: datetime.date, way: str, summary: str
) -> MobileContact:
    """每季度联系: the home branch notes a contact. The same note twice is kept once."""
    _home_manager(actor, record)
    _on(on, record, "联系日期")
    if way not in ContactWay.values:
        raise Refused("请选择联系方式", field="way")
    summary = clean_text(summary).strip()
    if not summary:
        raise Refused("请填写联系情况（思想、工作、参加组织生活等）", field="summary")
    if len(summary) > 500:
        raise Refused("联系情况最多 500 个字", field="summary")
    with transaction.atomic():
        MobileRecord.objects.select_for_update().filter(pk=record.pk).first()
        found = MobileContact.objects.filter(record=record, on=on, way=way, summary=summary).first()
        if found is not None:
            return found
        contact = MobileContact.objects.create(
            record=record, on=on, way=way, summary=summary, recorded_by=actor
        )
        audit_log(
            actor=actor, action="mobile.contacted", obj=record, org=record.home_org,
            data={"on": on.isoformat(), "way": way},
        )  # fmt: skip
    return contact


def mobile_activity_add(
    *, actor: User, record: MobileRecord, on: datetime.date, kind: str, title: str
) -> MobileActivity:
    """What the member did at the place, recorded by the org there (a meeting they attended)
    or by the home branch from their report."""
    if record.host_org is not None and can_manage_roster(actor, record.host_org):
        org = record.host_org
    elif can_manage_roster(actor, record.home_org):
        org = record.home_org
    else:
        raise PermissionDenied("您不能为该流动党员记录活动")
    if record.returned_on is not None and org != record.home_org:
        raise Refused("该党员已返回，流入地不能再记录")
    _on(on, record, "活动日期")
    if kind not in ActivityKind.values:
        raise Refused("请选择活动类别", field="kind")
    title = _text(title, "活动内容", 200, field="title")
    try:
        with transaction.atomic():
            activity, created = MobileActivity.objects.get_or_create(
                record=record, on=on, kind=kind, title=title,
                defaults={"org": org, "recorded_by": actor},
            )  # fmt: skip
            if created:
                audit_log(
                    actor=actor, action="mobile.activity", obj=record, org=org,
                    data={"on": on.isoformat(), "kind": kind},
                )  # fmt: skip
    except IntegrityError:  # the same entry at the same moment: the other one stands
        activity = MobileActivity.objects.get(record=record, on=on, kind=kind, title=title)
    return activity


# A quarter's reminder goes out from its third month on, so the branch still has time.
REMIND_FROM_MONTH = 3


def mobile_remind_contacts(*, today: datetime.date | None = None) -> int:
    """Tell each home branch which of its members away have had no contact this quarter
    (one notice per branch and quarter; a record is reminded once per quarter)."""
    today = today or timezone.localdate()
    start = quarter_start(today)
    if today.month - start.month + 1 < REMIND_FROM_MONTH:
        return 0
    quarter = quarter_of(today)
    due = list(
        MobileRecord.objects.filter(returned_on__isnull=True, left_on__lt=start)
        .exclude(reminded_for=quarter)
        .annotate(
            contacted=Exists(MobileContact.objects.filter(record=OuterRef("pk"), on__gte=start))
        )
        .filter(contacted=False)
        .select_related("member__user", "home_org")
        .order_by("home_org_id", "member__user__name")
    )
    by_org: dict[int, list[MobileRecord]] = defaultdict(list)
    for record in due:
        by_org[record.home_org_id].append(record)
    for records in by_org.values():
        org = records[0].home_org
        names = "、".join(r.member.user.name for r in records[:5])
        more = f"等 {len(records)} 人" if len(records) > 5 else ""
        with transaction.atomic():
            notify(
                users=branch_managers(org.pk),
                title=f"流动党员{quarter_label(quarter)}尚未联系：{names}{more}",
                body="请与外出党员联系，了解思想、工作和参加组织生活情况，并在流动党员页记录。",
                url="/mobile/?show=uncontacted",
                kind=REMINDER_KIND,
                org=org,
            )
            MobileRecord.objects.filter(pk__in=[r.pk for r in records]).update(reminded_for=quarter)
    return len(due)


def mobile_meetings_attended(batch: list[Event]) -> list[MobileActivity]:
    """`mobile_meeting_attended` for a meeting's sign-ins delivered together: one query
    finds which of the people ever stayed with the host (most sign-ins are the branch's own
    members, who never did); only those go through the exact check one by one."""
    wanted = [e for e in batch if e.org_id is not None and e.data.get("user_id") is not None]
    if not wanted:
        return []
    hosted = set(
        MobileRecord.objects.filter(
            member__user_id__in={e.data["user_id"] for e in wanted},
            host_org_id__in={e.org_id for e in wanted},
        ).values_list("member__user_id", "host_org_id")
    )
    done = []
    for event in wanted:
        if (event.data["user_id"], event.org_id) in hosted:
            activity = mobile_meeting_attended(event)
            if activity is not None:
                done.append(activity)
    return done


def mobile_meeting_attended(event: Event) -> MobileActivity | None:
    """meeting.checked_in: a 流动党员 who signed in at a meeting of the branch hosting them
    that day has it on their record as a meeting attended at the place (credited to the
    home branch's figures, mobility.indicators), as if the host had entered it. Once per
    meeting whatever the deliveries (the activity's unique constraint)."""
    user_id = event.data.get("user_id")
    if event.org_id is None or user_id is None:
        return None
    on = event.data.get("on")  # the meeting's day (older events: the sign-in's)
    day = datetime.date.fromisoformat(on) if on else timezone.localdate(event.created_at)
    record = (
        MobileRecord.objects.filter(
            Q(returned_on__isnull=True) | Q(returned_on__gt=day),
            member__user_id=user_id,
            host_org_id=event.org_id,
            left_on__lte=day,
        )
        .order_by("-left_on")
        .first()
    )
    if record is None:
        return None
    label = MeetingKind(event.data["kind"]).label if event.data.get("kind") else "会议"
    title = f"{label}：{event.data.get('topic', '')}".rstrip("：")[:200]
    try:
        with transaction.atomic():
            activity, created = MobileActivity.objects.get_or_create(
                record=record, on=day, kind=ActivityKind.MEETING, title=title,
                defaults={"org_id": event.org_id, "recorded_by": None},
            )  # fmt: skip
            if created:
                audit_log(
                    actor=None, action="mobile.activity", obj=record, org=activity.org,
                    data={"on": day.isoformat(), "kind": ActivityKind.MEETING,
                          "meeting_id": event.object_id},
                )  # fmt: skip
    except IntegrityError:  # another delivery wrote it first
        return None
    return activity
