"""The records behind remote education's indicators for an org and a month
(common/record_lists.py): each site's days on air, hours and viewings (the 开机通报's own
figures), the sites silent all month (长期未开机) with the last day each was on, and the
organised viewings held."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, Cell, RecordList, records_view
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import get_org_for_user
from xianfeng.remote.bulletin import month_bulletin
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import SiteDay, Viewing


def sites(org: Any, month: Month) -> RecordList:
    figures = month_bulletin(org, month.year, month.month, now=timezone.now())
    rows: list[Any] = [
        (
            Cell(f.site.name, reverse("remote:site", args=[f.site.code])),
            f.site.org.name,
            f"{f.boot_days} / {f.service_days}",
            "—" if f.rate is None else f"{f.rate}%",
            f"{f.hours}",
            f.viewings,
            "达标" if f.met else "未达标",
        )
        for f in figures.sites
    ]
    return RecordList(
        "站点运行情况",
        ["站点", "所属组织", "开机天数 / 在役天数", "开机率", "运行小时", "组织收看", "本月"],
        rows,
    )


def silent(org: Any, month: Month) -> RecordList:
    """The sites of the subtree that were in service in the month and on air on none of its
    days (indicators.silent_sites), with the last day each was on up to the month's end."""
    found = [
        f
        for f in month_bulletin(org, month.year, month.month, now=timezone.now()).sites
        if f.month_silent
    ]
    last_on = (
        dict(
            SiteDay.objects.filter(site_id__in=[f.site.pk for f in found], day__lte=month.last)
            .values("site_id")
            .annotate(last=Max("day"))
            .values_list("site_id", "last")
        )
        if found
        else {}
    )
    rows: list[Any] = [
        (
            Cell(f.site.name, reverse("remote:site", args=[f.site.code])),
            f.site.org.name,
            f.service_days,
            last_on[f.site.pk].isoformat() if f.site.pk in last_on else "从未开机",
        )
        for f in found
    ]
    return RecordList(
        "长期未开机站点",
        ["站点", "所属组织", "本月在役天数", "最后开机日期"],
        rows,
        note="本月在役的每一天都没有开机心跳的站点；最后开机日期截至本月末。",
    )


def viewings(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (
            timezone.localtime(at).strftime("%m-%d %H:%M"),
            Cell(title, reverse("remote:viewing", args=[pk])),
            site,
        )
        for pk, at, title, site in Viewing.objects.filter(
            subtree_q([org.path], field="site__org__path"),
            state=ViewingState.HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("starts_at", "id")
        .values_list("pk", "starts_at", "title", "site__name")
    ]
    return RecordList("组织收看", ["时间", "收看主题", "站点"], rows)


BUILDERS: dict[str, Builder] = {"sites": sites, "silent": silent, "viewings": viewings}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, RECORD_ROLES))


def url(what: str) -> Any:
    def records(org: Any, month: Month) -> str:
        return reverse("remote:records", args=[org.code, str(month), what])

    return records
