"""微心愿 pages: the wall, a wish, posting, my wishes and claims, the review queue, photos.
Thin: parse, find through a selector, call a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import keyset_page, paginate, query_without, query_without_page
from xianfeng.common.types import AuthedRequest
from xianfeng.community import rules, selectors, services
from xianfeng.community.enums import PhotoKind, WishCategory, WishState
from xianfeng.community.forms import (
    CampaignForm,
    ReviewForm,
    WallFilterForm,
    WishForm,
    community_orgs,
)
from xianfeng.community.models import Wish
from xianfeng.community.services import Upload
from xianfeng.orgs.enums import Region
from xianfeng.orgs.models import subtree_q
from xianfeng.people.selectors import member_of


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _uploads(request: HttpRequest, name: str = "photo") -> list[Upload]:
    return [Upload(handle=f, size=f.size or 0) for f in request.FILES.getlist(name)][:3]


# --- the wall ---------------------------------------------------------------------------------


@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """Every reviewed wish, for everyone (no login): the public name, the village, the wish.
    Walked page by page from the newest (a cursor, no OFFSET and no COUNT): as quick on the
    500th page of a county's 100,000 wishes as on the first."""
    form = WallFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    code = data.get("org", "")
    # The towns of the filter's list and the org filtered by, in one query (it may be a
    # village: then it is added to the list as the chosen option).
    places = list(
        community_orgs()
        .filter(Q(region=Region.TOWN) | Q(code=code) if code else Q(region=Region.TOWN))
        .only("code", "name", "path", "region")
    )
    org = next((o for o in places if o.code == code), None) if code else None
    filters = selectors.WishFilters(
        org=org, category=data.get("category", ""), state=data.get("state", "")
    )
    page = keyset_page(request, selectors.wish_wall(filters), field="published_at")
    return render(
        request,
        "community/wall.html",
        {
            "page": page,
            "query": query_without(request, "after", "page"),
            "form": form,
            "filters": filters,
            "towns": [o for o in places if o.region == Region.TOWN],
            "categories": WishCategory.choices,
        },
    )


# --- one wish ---------------------------------------------------------------------------------


@require_GET
def wish_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    wish = selectors.get_wish_for_user(user, pk)
    return render(request, "community/wish.html", _wish_context(user, wish))


def _wish_context(user: Any, wish: Wish, **extra: Any) -> dict[str, Any]:
    photos = selectors.photos_of(wish)
    reviewer = rules.can_review(user, wish)
    wisher_side = rules.is_wisher_side(user, wish)
    claimer = rules.is_claimer(user, wish)
    context = {
        "wish": wish,
        "wish_photos": [p for p in photos if p.kind == PhotoKind.WISH],
        "done_photos": [p for p in photos if p.kind == PhotoKind.FULFIL],
        # The contact is loaded only for those who may see it; nobody else's page holds it.
        "contact": getattr(wish, "contact", None) if rules.can_see_contact(user, wish) else None,
        "can_review": reviewer and wish.state == WishState.PENDING,
        "can_claim": wish.state == WishState.OPEN and rules.can_claim(user, wish),
        "claim_orgs": selectors.claim_orgs_for(user) if wish.state == WishState.OPEN else [],
        "is_claimer": claimer,
        "can_confirm": wish.state == WishState.CONFIRMING and (wisher_side or reviewer),
        "can_dispute": wish.state == WishState.CONFIRMING and wisher_side,
        "can_withdraw": wish.state in {"pending", "open", "claimed"} and (wisher_side or reviewer),
        "signed_in": bool(getattr(user, "is_authenticated", False)),
        "review_form": ReviewForm(
            initial={"title": wish.title, "detail": wish.detail, "public_name": wish.public_name}
        )
        if reviewer and wish.state == WishState.PENDING
        else None,
    }
    context.update(extra)
    return context


ACTIONS = {"claim", "release", "fulfil", "confirm", "dispute", "withdraw", "review"}


@login_required
@require_POST
def wish_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    wish = selectors.get_wish_for_user(request.user, pk)
    post = request.POST
    actor = request.user
    try:
        if action == "claim":
            org = None
            if post.get("org"):
                org = next(
                    (o for o in selectors.claim_orgs_for(actor) if o.code == post["org"]), None
                )
                if org is None:
                    raise PermissionDenied("只能以您任职的组织名义认领")
            services.wish_claim(actor=actor, wish=wish, org=org)
            messages.success(request, "认领成功，请在期限内帮助心愿人实现心愿")
        elif action == "release":
            services.wish_release(actor=actor, wish=wish, reason=post.get("reason", ""))
            messages.success(request, "已放弃认领")
        elif action == "fulfil":
            services.wish_fulfil(
                actor=actor, wish=wish, note=post.get("note", ""), photos=_uploads(request)
            )
            messages.success(request, "已报告实现，等待心愿人确认")
        elif action == "confirm":
            services.wish_confirm(actor=actor, wish=wish, thanks=post.get("thanks", ""))
            messages.success(request, "已确认心愿实现，谢谢！")
        elif action == "dispute":
            services.wish_dispute(actor=actor, wish=wish, note=post.get("note", ""))
            messages.success(request, "已告知认领人")
        elif action == "withdraw":
            services.wish_withdraw(actor=actor, wish=wish, reason=post.get("reason", ""))
            messages.success(request, "心愿已撤回")
        else:
            approve = post.get("decision") == "approve"
            services.wish_review(
                actor=actor,
                wish=wish,
                approve=approve,
                note=post.get("note", ""),
                title=post.get("title"),
                detail=post.get("detail"),
                public_name=post.get("public_name"),
            )
            messages.success(request, "已通过，心愿已公开" if approve else "已退回")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("community:wish", pk=wish.pk)


@require_GET
def photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A wish's photo, to whoever may see the wish (never a public URL to the file)."""
    item = selectors.get_photo_for_user(request.user, pk, photo_id)
    field = item.thumb if request.GET.get("size") == "thumb" else item.image
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- posting ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def wish_new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    proxy_orgs = [o for o in community_orgs().filter(pk__in=_proxy_org_ids(user))]
    proxy = bool(proxy_orgs)
    if request.method == "POST":
        form = WishForm(request.POST, request.FILES, proxy=proxy)
        if form.is_valid():
            d = form.cleaned_data
            try:
                wish = services.wish_post(
                    actor=user,
                    org=d["org"],
                    category=d["category"],
                    title=d["title"],
                    detail=d["detail"],
                    value_yuan=d["value_yuan"],
                    public_name=d["public_name"],
                    on_behalf=bool(d.get("on_behalf")),
                    contact_name=d.get("contact_name", ""),
                    contact_phone=d.get("contact_phone", ""),
                    contact_address=d["contact_address"],
                    photos=_uploads(request),
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "心愿已提交，支部审核后会公开在心愿墙上")
                return redirect("community:wish", pk=wish.pk)
    else:
        member = member_of(user)
        home = user.home_org_id or (member.org_id if member else None)
        form = WishForm(initial={"org": home}, proxy=proxy)
    return render(request, "community/wish_new.html", {"form": form, "proxy": proxy})


def _proxy_org_ids(user: Any) -> list[int]:
    from xianfeng.community.enums import PROXY_ROLES
    from xianfeng.orgs.selectors import orgs_managed_by

    if user.is_superuser:
        return []
    return list(orgs_managed_by(user, PROXY_ROLES).values_list("pk", flat=True)[:1000])


# --- mine and review --------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "community/mine.html",
        {
            "wishes": list(selectors.my_wishes(user)[:50]),
            "claims": list(selectors.my_claims(user)[:50]),
        },
    )


@login_required
@require_GET
def review_queue(request: AuthedRequest) -> HttpResponse:
    from xianfeng.community.enums import REVIEW_ROLES
    from xianfeng.orgs.rules import holds_any

    if not holds_any(request.user, REVIEW_ROLES):
        raise PermissionDenied("只有村社区支部的书记或支委审核心愿")
    page = paginate(request, selectors.wishes_to_review(request.user))
    return render(
        request, "community/review.html", {"page": page, "query": query_without_page(request)}
    )


# --- campaigns --------------------------------------------------------------------------------


@require_GET
def campaigns(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.campaigns_list())
    user: Any = request.user
    return render(
        request,
        "community/campaigns.html",
        {
            "page": page,
            "query": query_without_page(request),
            "can_launch": bool(getattr(user, "is_authenticated", False))
            and bool(_campaign_orgs(user)),
        },
    )


@require_GET
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's page: progress toward the target, the leaderboard, its wall."""
    item = selectors.get_campaign(pk)
    form = WallFilterForm(request.GET or None)
    filters = selectors.WishFilters(campaign=item)
    if form.is_valid():
        data = form.cleaned_data
        org = community_orgs().filter(code=data["org"]).first() if data["org"] else None
        filters = selectors.WishFilters(
            org=org, category=data["category"], state=data["state"], campaign=item
        )
    stats = selectors.campaign_stats(item)
    # The 主题党日 it is held with: its date for everyone, its topic and page only for those
    # who may open the meeting (the ledger is not public).
    meeting_open = bool(
        item.meeting_id
        and getattr(request.user, "is_authenticated", False)
        and selectors.may_see_meeting(request.user, item.meeting_id)
    )
    # Walked by a cursor as the wall is (no OFFSET, no COUNT): the 500th page of a county's
    # campaign costs what the first does. The stats count the wall by state and category,
    # so a page filtered by those still says how many wishes it holds (a place filter not).
    page = keyset_page(request, selectors.wish_wall(filters), field="published_at")
    area = [o for o in item.covers.all()] or [item.org]
    villages = list(
        community_orgs()
        .filter(subtree_q([o.path for o in area], field="path"))
        .only("code", "name")[:500]
    )
    return render(
        request,
        "community/campaign.html",
        {
            "campaign": item,
            "meeting_open": meeting_open,
            "stats": stats,
            "leaders": selectors.campaign_leaderboard(item),
            "page": page,
            "total": stats.count_for(filters),
            "query": query_without(request, "after", "page"),
            "form": form,
            "filters": filters,
            "villages": villages,
            "categories": WishCategory.choices,
        },
    )


def _campaign_orgs(user: Any) -> list[Any]:
    from xianfeng.community.enums import ORG_CLAIM_ROLES
    from xianfeng.orgs.enums import OrgKind
    from xianfeng.orgs.selectors import orgs_managed_by

    return list(
        orgs_managed_by(user, ORG_CLAIM_ROLES)
        .filter(kind__in=[OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE])
        .order_by("path")[:200]
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: AuthedRequest) -> HttpResponse:
    orgs = _campaign_orgs(request.user)
    if not orgs:
        raise PermissionDenied("只有县、镇（街道）党组织的书记、组织委员或管理员可以发起活动")
    from xianfeng.orgs.models import Org

    queryset = Org.objects.filter(pk__in=[o.pk for o in orgs]).order_by("path")
    meetings = list(selectors.theme_days_for(request.user, orgs, on=timezone.localdate())[:50])
    form = CampaignForm(request.POST or None, orgs=queryset, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.campaign_create(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                theme=d["theme"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                target=d["target"],
                meeting_id=d["meeting"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "活动已发起，活动期间提交的心愿会汇集到这里")
            return redirect("community:campaign", pk=item.pk)
    return render(request, "community/campaign_new.html", {"form": form})


# --- analysis and export ----------------------------------------------------------------------


def _analysis_org(request: AuthedRequest) -> Any:
    from xianfeng.community.enums import REVIEW_ROLES
    from xianfeng.orgs.rules import holds_any
    from xianfeng.orgs.selectors import get_org_for_user, org_roots_for

    if not holds_any(request.user, REVIEW_ROLES):
        raise PermissionDenied("只有党组织的书记、支委或管理员可以查看心愿统计")
    code = request.GET.get("org", "")
    if code:
        return get_org_for_user(request.user, code[:32], REVIEW_ROLES)
    roots = org_roots_for(request.user, REVIEW_ROLES)
    if not roots:
        raise Http404("找不到该组织")
    return roots[0]


@login_required
@require_GET
def analysis_page(request: AuthedRequest) -> HttpResponse:
    from xianfeng.community.analysis import wish_analysis

    org = _analysis_org(request)
    return render(request, "community/analysis.html", {"a": wish_analysis(org), "org": org})


@login_required
@require_GET
def export(request: AuthedRequest) -> HttpResponse:
    from xianfeng.community.analysis import wishes_export

    return wishes_export(_analysis_org(request))
