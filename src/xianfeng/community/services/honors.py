"""Writes of 微星光 (nominate, approve or return, resubmit) and of the notices on an org's
own public page (微平台)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.community import rules
from xianfeng.community.enums import HONOR_MACHINE, HonorKind, HonorNoticeKind, HonorState
from xianfeng.community.models import Honor, OrgNotice
from xianfeng.community.services._common import (
    Upload,
    attach_photo,
    forget_files,
    optional_in,
    tell,
    text_in,
)
from xianfeng.community.services.wishes import reviewers_for
from xianfeng.moderation.services import text_check
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of


def _url(honor: Honor) -> str:
    return reverse("community:honor", args=[honor.pk])


def _data(honor: Honor) -> dict[str, Any]:
    return {
        "org_id": honor.org_id,
        "kind": honor.kind,
        "year": honor.year,
        "person_id": honor.person_id,
    }


def _approvers(org: Org) -> list[int]:
    return reviewers_for(org.parent) if org.parent is not None else []


def honor_nominate(
    *,
    actor: User,
    org: Org,
    kind: str,
    name: str,
    story: str,
    person: User | None = None,
    year: int | None = None,
    photo: Upload | None = None,
    now: datetime.datetime | None = None,
) -> Honor:
    """An org nominates an exemplary member (one of its own), a team or a branch brand,
    with a short story; the org above it is asked to approve."""
    now = now or timezone.now()
    if not rules.manages(actor, org):
        raise PermissionDenied("只有该组织的书记、支委或管理员可以推荐")
    if org.parent is None:
        raise Refused("最上级组织的推荐没有上级审批，请由下级组织推荐", field="org")
    if kind not in HonorKind.values:
        raise Refused("请选择类别", field="kind")
    year = year or timezone.localdate(now).year
    if not 2000 <= year <= timezone.localdate(now).year:
        raise Refused("年度不正确", field="year")
    if kind == HonorKind.MEMBER:
        member = member_of(person) if person is not None else None
        if member is None or not member.org.path.startswith(org.path):
            raise Refused("请选择本组织的党员", field="person")
        name = person.name if person is not None else name
    else:
        person = None
    name = text_in(name, field="name", label="名称", minimum=2, maximum=60)
    story = text_in(story, field="story", label="事迹", minimum=20, maximum=1000)
    words = text_check(f"{name}\n{story}")
    if words:
        raise Refused(f"请先修改含有敏感词的内容：{'、'.join(words[:5])}", field="story")
    written: list[str] = []
    try:
        with transaction.atomic():
            repeat = Honor.objects.filter(
                org=org, kind=kind, year=year, name=name, state=HonorState.NOMINATED
            ).first()
            if repeat is not None:
                return repeat
            honor = Honor(
                org=org, kind=kind, year=year, name=name, person=person, story=story,
                nominated_by=actor,
            )  # fmt: skip
            attach_photo(honor, photo, written)
            honor.save()
            events.publish(
                "honor.nominated",
                actor=actor,
                obj=honor,
                org=org,
                data={"from": "", **_data(honor)},
            )
            tell(
                _approvers(org),
                about=honor,
                org=org,
                kind=HonorNoticeKind.REVIEW,
                title=f"微星光推荐待审批：{name}",
                body=f"{org.name} · {HonorKind(kind).label}",
                url=_url(honor),
                actor=actor,
            )
    except BaseException:
        forget_files(Honor, written)
        raise
    return honor


def honor_decide(
    *,
    actor: User,
    honor: Honor,
    approve: bool,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Honor:
    """The org above approves (the honor goes on the roll) or returns it with a reason."""
    now = now or timezone.now()
    if not rules.can_approve_honor(actor, honor.org):
        raise PermissionDenied("只有上级党组织可以审批微星光")
    note = optional_in(note, field="note", label="审批意见", maximum=200)
    if not approve and not note:
        raise Refused("请写明退回的原因", field="note")
    with transaction.atomic():
        honor = Honor.objects.select_for_update().select_related("org").get(pk=honor.pk)
        if honor.state != HonorState.NOMINATED:
            raise Refused(f"该推荐{honor.get_state_display()}，无需再审批")
        transition(
            honor,
            HONOR_MACHINE,
            HonorState.APPROVED if approve else HonorState.RETURNED,
            actor=actor,
            org=honor.org,
            fields={"decided_by": actor, "decided_at": now, "decision_note": note},
            data=_data(honor),
        )
        tell(
            [honor.nominated_by_id, honor.person_id],
            about=honor,
            org=honor.org,
            kind=HonorNoticeKind.RESULT,
            title=(f"已入选微星光：{honor.name}" if approve else f"微星光推荐被退回：{honor.name}"),
            body=note,
            url=_url(honor),
            actor=actor,
        )
    return honor


def honor_resubmit(*, actor: User, honor: Honor, story: str) -> Honor:
    """The nominating org rewrites a returned nomination and sends it up again."""
    if not rules.manages(actor, honor.org):
        raise PermissionDenied("只有推荐组织可以修改后重新提交")
    story = text_in(story, field="story", label="事迹", minimum=20, maximum=1000)
    if text_check(story):
        raise Refused("事迹含有敏感词，请修改", field="story")
    with transaction.atomic():
        honor = Honor.objects.select_for_update().select_related("org").get(pk=honor.pk)
        transition(
            honor, HONOR_MACHINE, HonorState.NOMINATED, actor=actor, org=honor.org,
            fields={"story": story, "decision_note": ""}, data=_data(honor),
        )  # fmt: skip
        tell(
            _approvers(honor.org),
            about=honor,
            org=honor.org,
            kind=HonorNoticeKind.REVIEW,
            title=f"微星光推荐（重新提交）待审批：{honor.name}",
            body=honor.org.name,
            url=_url(honor),
            actor=actor,
        )
    return honor


# --- 微平台 notices ---------------------------------------------------------------------------


def notice_post(*, actor: User, org: Org, text: str, photo: Upload | None = None) -> OrgNotice:
    """An org's officers post a short notice (text and a photo) on its public page."""
    if not rules.manages(actor, org):
        raise PermissionDenied("只有该组织的书记、支委或管理员可以发布公告")
    text = text_in(text, field="text", label="公告", minimum=4, maximum=500)
    words = text_check(text)
    if words:
        raise Refused(f"公告含有不宜公开的词语：{'、'.join(words[:5])}", field="text")
    written: list[str] = []
    try:
        with transaction.atomic():
            notice = OrgNotice(org=org, author=actor, text=text)
            attach_photo(notice, photo, written)
            notice.save()
            audit_log(actor=actor, action="org_notice.create", obj=notice, org=org, data={})
    except BaseException:
        forget_files(OrgNotice, written)
        raise
    return notice


def notice_delete(*, actor: User, notice: OrgNotice) -> None:
    if not rules.manages(actor, notice.org):
        raise PermissionDenied("只有该组织的书记、支委或管理员可以删除公告")
    with transaction.atomic():
        audit_log(
            actor=actor, action="org_notice.delete", obj=notice, org=notice.org,
            data={"text": notice.text},
        )  # fmt: skip
        notice.delete()
