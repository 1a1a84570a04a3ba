"""Who sees which 流动党员 records: the home branch's officers (书记, 组织委员, 管理员 and those
above), the officers of the org at the place that looks after them (the registration and
activities only: not the home branch's contact notes), and the member."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404

from xianfeng.mobility.enums import ActivityKind, quarter_start
from xianfeng.mobility.models import MobileContact, MobileRecord
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.selectors import scope_q

Side = Literal["home", "host", "self"]


def _home_q(user: Any) -> Q:
    return scope_q(user, ROSTER_MANAGE_ROLES, field="home_org__path")


def _host_q(user: Any) -> Q:
    return Q(host_org__isnull=False) & scope_q(user, ROSTER_MANAGE_ROLES, field="host_org__path")


def records_visible_to(user: Any) -> QuerySet[MobileRecord]:
    if not getattr(user, "is_authenticated", False):
        return MobileRecord.objects.none()
    return MobileRecord.objects.filter(_home_q(user) | _host_q(user) | Q(member__user_id=user.pk))


def _with_contact(qs: QuerySet[MobileRecord], today: datetime.date) -> QuerySet[MobileRecord]:
    """Each record with its last contact, whether there was one this quarter, and what the
    member took part in at the place this quarter (meetings, study: recorded there or by the
    home branch), so the home branch sees their organisational life away at a glance."""
    start = quarter_start(today)
    return qs.annotate(
        last_contact=Max("contacts__on"),
        # distinct: the join with contacts repeats each activity once per contact.
        meetings_away=Count(
            "activities",
            filter=Q(activities__on__gte=start, activities__kind=ActivityKind.MEETING),
            distinct=True,
        ),
        studies_away=Count(
            "activities",
            filter=Q(activities__on__gte=start, activities__kind=ActivityKind.STUDY),
            distinct=True,
        ),
        contacted_this_quarter=Exists(
            MobileContact.objects.filter(record=OuterRef("pk"), on__gte=quarter_start(today))
        ),
    )


def home_list(user: Any, *, show: str, today: datetime.date) -> QuerySet[MobileRecord]:
    """The home side's list: members away (default), those not contacted this quarter, or
    those back home."""
    if not getattr(user, "is_authenticated", False):
        return MobileRecord.objects.none()
    qs = MobileRecord.objects.filter(_home_q(user)).select_related(
        "member__user", "home_org", "host_org"
    )
    if show == "returned":
        qs = qs.filter(returned_on__isnull=False)
    else:
        qs = qs.filter(returned_on__isnull=True)
    if show == "uncontacted":
        qs = qs.filter(
            ~Exists(
                MobileContact.objects.filter(record=OuterRef("pk"), on__gte=quarter_start(today))
            )
        )
    qs = _with_contact(qs, today)
    return qs.order_by("home_org__path", "member__user__name", "pk")


def host_list(user: Any, *, returned: bool = False) -> QuerySet[MobileRecord]:
    """Members of other branches living at the person's place, looked after here (with
    `returned`: those who have gone back), each with the date of their last activity here."""
    if not getattr(user, "is_authenticated", False):
        return MobileRecord.objects.none()
    return (
        MobileRecord.objects.filter(_host_q(user), returned_on__isnull=not returned)
        .exclude(_home_q(user))
        .select_related("member__user", "home_org", "host_org")
        .annotate(last_activity=Max("activities__on"))
        .order_by("host_org__path", "member__user__name", "pk")
    )


def get_record_for_user(user: Any, pk: int) -> tuple[MobileRecord, Side]:
    """The record and the side the person sees it from; 404 for anyone else."""
    record = (
        records_visible_to(user)
        .select_related("member__user", "member__org", "home_org", "host_org", "created_by")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("找不到该流动党员登记")
    if MobileRecord.objects.filter(_home_q(user), pk=pk).exists():
        return record, "home"
    if MobileRecord.objects.filter(_host_q(user), pk=pk).exists():
        return record, "host"
    return record, "self"


def hosted_user_ids(branch_id: int, day: datetime.date) -> set[int]:
    """The 流动党员 the branch looks after on `day` (registered to it, gone by then and not
    yet back): meetings.guests adds them to its meetings' expected lists. One query."""
    return set(
        MobileRecord.objects.filter(
            Q(returned_on__isnull=True) | Q(returned_on__gt=day),
            host_org_id=branch_id,
            left_on__lte=day,
            member__user__is_active=True,
            member__left_on__isnull=True,
        ).values_list("member__user_id", flat=True)
    )
