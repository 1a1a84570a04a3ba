"""五微社区: micro-wishes (微心愿) and their campaigns, civic micro-projects and the residents'
vote (微实事), activities with sign-up and service hours (微行动), the honor roll (微星光)
and the notices on every org's own page (微平台)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.community.enums import (
    ActivityKind,
    ActivityState,
    Audience,
    ClaimEnd,
    HonorKind,
    HonorState,
    PhotoKind,
    ProjectState,
    SignupState,
    WishCategory,
    WishState,
)

User = settings.AUTH_USER_MODEL


class WishCampaign(models.Model):
    """A 点亮微心愿 campaign: a county or town collects wishes for a period, toward a target."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发起组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=60)
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target = models.PositiveIntegerField(_("目标心愿数"), default=0)
    # The orgs whose wishes it collects (their subtrees); none: the launching org's subtree.
    covers = models.ManyToManyField(
        "orgs.Org", verbose_name=_("覆盖组织"), blank=True, related_name="+"
    )
    # A 主题党日 of a branch in the campaign's area that it is held together with (the
    # meeting's page lists the campaign through common/related).
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("结合的主题党日"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微心愿活动")
        verbose_name_plural = _("微心愿活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Wish(models.Model):
    """A resident's micro-wish: reviewed, claimed, fulfilled with a photo, confirmed."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所在村社区"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        WishCampaign,
        verbose_name=_("所属活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
    )
    category = models.CharField(_("类别"), max_length=16, choices=WishCategory.choices)
    title = models.CharField(_("心愿"), max_length=60)
    detail = models.TextField(_("详细说明"), blank=True, max_length=500)
    value_yuan = models.PositiveIntegerField(_("估计价值（元）"), default=0)
    # What the public sees instead of the name: "张阿姨", "李**".
    public_name = models.CharField(_("公开称呼"), max_length=20)
    # The person whose wish it is, when they have an account; a wish entered for someone
    # without a phone (代录) has none and is confirmed by the one who entered it.
    wisher = models.ForeignKey(
        User,
        verbose_name=_("心愿人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        User, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(_("代录"), default=False)
    state = models.CharField(
        _("状态"), max_length=12, choices=WishState.choices, default=WishState.PENDING
    )
    # Sensitive words the list found when it was posted, for the reviewer.
    flagged_words = models.JSONField(_("敏感词"), default=list, blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    claimer = models.ForeignKey(
        User,
        verbose_name=_("认领人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimer_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("认领组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who the leaderboard credits, fixed when the claim is made: the org that claimed, or
    # the claimer's own branch (none for a resident: "爱心群众").
    credit_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("计入组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("须在此前实现"), null=True, blank=True)
    done_at = models.DateTimeField(_("报告实现时间"), null=True, blank=True)
    done_note = models.CharField(_("实现情况"), max_length=300, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    thanks_note = models.CharField(_("感谢的话"), max_length=300, blank=True)
    dispute_note = models.CharField(_("异议"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The wall filtered by place (a nested loop over the subtree's orgs), state and
            # category: its count reads only this index.
            models.Index(fields=["state", "org", "category"], name="wish_state_org_cat_idx"),
            # The county's wall, newest first, without sorting every public wish.
            models.Index(fields=["-published_at", "-id"], name="wish_wall_idx"),
            models.Index(fields=["claimer", "state"], name="wish_claimer_state_idx"),
            models.Index(fields=["state", "due_at"], name="wish_state_due_idx"),
            # A campaign's wall, newest first, without sorting the campaign's wishes.
            models.Index(
                fields=["campaign", "-published_at", "-id"], name="wish_campaign_wall_idx"
            ),
            # The leaderboard: fulfilled wishes of a campaign grouped by the credited org.
            models.Index(
                fields=["campaign", "state", "credit_org"], name="wish_campaign_credit_idx"
            ),
        ]
        constraints = [
            # A wish being worked on, or done, names who claimed it; no other does.
            models.CheckConstraint(
                condition=(
                    Q(
                        state__in=["claimed", "confirming", "fulfilled"],
                        claimer__isnull=False,
                        claimed_at__isnull=False,
                    )
                    | (
                        ~Q(state__in=["claimed", "confirming", "fulfilled"])
                        & Q(claimer__isnull=True, claimer_org__isnull=True)
                    )
                ),
                name="wish_claimer_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WishTally(models.Model):
    """How many of a campaign's wishes are in each state and category. Kept by database
    triggers on every insert, update and delete of a wish (migration 0006), whichever code
    writes it (a service, a bulk update, an import), so the campaign page reads a few dozen
    rows instead of counting a campaign's 100,000 wishes."""

    campaign = models.ForeignKey(
        WishCampaign, verbose_name=_("所属活动"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=12)
    category = models.CharField(_("类别"), max_length=16)
    n = models.IntegerField(_("心愿数"), default=0)

    class Meta:
        verbose_name = _("活动心愿计数")
        verbose_name_plural = _("活动心愿计数")
        constraints = [
            # The triggers' upsert target.
            models.UniqueConstraint(
                fields=["campaign", "state", "category"], name="wish_tally_cell_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.state} {self.category}: {self.n}"


class WishContact(models.Model):
    """How to reach the wisher: seen only by the wisher, the one who entered it, the
    community's officers and the current claimer; never on a public page or export."""

    wish = models.OneToOneField(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="contact"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住址"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("心愿人联系方式")
        verbose_name_plural = _("心愿人联系方式")

    def __str__(self) -> str:
        return self.name


class WishClaim(models.Model):
    """One claim of a wish, kept after it ends: who, for which org, how it ended."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="claims"
    )
    claimer = models.ForeignKey(
        User, verbose_name=_("认领人"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("认领组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("认领时间"))
    due_at = models.DateTimeField(_("期限"))
    active = models.BooleanField(_("进行中"), default=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end = models.CharField(_("结果"), max_length=12, choices=ClaimEnd.choices, blank=True)

    class Meta:
        verbose_name = _("认领记录")
        verbose_name_plural = _("认领记录")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            # One claim at a time per wish, whatever two requests race to do.
            models.UniqueConstraint(
                fields=["wish"], condition=Q(active=True), name="wish_one_active_claim"
            ),
        ]
        indexes = [models.Index(fields=["claimer", "active"], name="wishclaim_claimer_idx")]

    def __str__(self) -> str:
        return f"{self.wish} · {self.claimer}"


class WishPhoto(models.Model):
    """A photo of the wish or of its fulfilment: shrunk, EXIF dropped, kept private."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("微心愿"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("类别"), max_length=8, choices=PhotoKind.choices)
    image = models.FileField(_("图片"), upload_to="wishes/%Y/%m/", storage=private_storage)
    thumb = models.FileField(_("缩略图"), upload_to="wishes/%Y/%m/", storage=private_storage)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微心愿照片")
        verbose_name_plural = _("微心愿照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


# --- 微实事 -----------------------------------------------------------------------------------


class VoteRound(models.Model):
    """A community's voting window on its candidate projects: K votes a person, one per
    project, changeable until it closes; then the count approves the top ones."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("村社区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("名称"), max_length=60)
    opens_at = models.DateTimeField(_("投票开始"))
    closes_at = models.DateTimeField(_("投票截止"))
    votes_each = models.PositiveSmallIntegerField(_("每人票数"), default=3)
    winners = models.PositiveSmallIntegerField(_("最多立项数"), default=3)
    budget_yuan = models.PositiveIntegerField(_("预算（元）"), default=0)  # 0: no budget
    # Results as they stand shown while the vote runs (off: only after it closes).
    show_live = models.BooleanField(_("投票期间公开票数"), default=False)
    counted_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微实事投票")
        verbose_name_plural = _("微实事投票")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_window_order"
            ),
            models.CheckConstraint(condition=Q(votes_each__gte=1), name="round_votes_each_min"),
        ]
        indexes = [models.Index(fields=["counted_at", "closes_at"], name="round_count_idx")]

    def __str__(self) -> str:
        return self.title


class CivicProject(models.Model):
    """A 民生实事 proposed by a branch or a resident, voted on, then carried out in public."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("村社区"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(
        VoteRound,
        verbose_name=_("投票"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    title = models.CharField(_("项目名称"), max_length=60)
    description = models.TextField(_("项目说明"), max_length=1000)
    cost_yuan = models.PositiveIntegerField(_("估算费用（元）"), default=0)
    proposed_by = models.ForeignKey(
        User, verbose_name=_("提议人"), on_delete=models.PROTECT, related_name="+"
    )
    # What the public sees of the proposer: the branch's name, or "孙**".
    proposer_shown = models.CharField(_("公开提议人"), max_length=40)
    state = models.CharField(
        _("状态"), max_length=12, choices=ProjectState.choices, default=ProjectState.PENDING
    )
    flagged_words = models.JSONField(_("敏感词"), default=list, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    votes = models.PositiveIntegerField(_("得票"), default=0)  # written by the count
    rank = models.PositiveSmallIntegerField(_("名次"), null=True, blank=True)
    approved_at = models.DateTimeField(_("立项时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    image = models.FileField(
        _("照片"), upload_to="civic/%Y/%m/", storage=private_storage, blank=True
    )
    thumb = models.FileField(
        _("缩略图"), upload_to="civic/%Y/%m/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("提议时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微实事")
        verbose_name_plural = _("微实事")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "org"], name="project_state_org_idx"),
            models.Index(fields=["round", "state"], name="project_round_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Ballot(models.Model):
    """One vote of one person for one project in a round. The database holds the rules:
    one ballot per person and project, and each of the person's K votes is a numbered
    slot that two ballots cannot share, so no race casts a K+1st."""

    round = models.ForeignKey(
        VoteRound, verbose_name=_("投票"), on_delete=models.CASCADE, related_name="ballots"
    )
    project = models.ForeignKey(
        CivicProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="ballots"
    )
    voter = models.ForeignKey(
        User, verbose_name=_("投票人"), on_delete=models.PROTECT, related_name="+"
    )
    slot = models.PositiveSmallIntegerField(_("第几票"))
    created_at = models.DateTimeField(_("投票时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        constraints = [
            models.UniqueConstraint(fields=["project", "voter"], name="ballot_one_per_project"),
            models.UniqueConstraint(fields=["round", "voter", "slot"], name="ballot_slot_once"),
            models.CheckConstraint(condition=Q(slot__gte=1), name="ballot_slot_min"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.project_id}"


class ProjectUpdate(models.Model):
    """A dated entry of a project's public progress log (立项 → 实施中 → 已完成)."""

    project = models.ForeignKey(
        CivicProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        User, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("进度"), max_length=12, choices=ProjectState.choices)
    note = models.CharField(_("进展"), max_length=500)
    image = models.FileField(
        _("照片"), upload_to="civic/%Y/%m/", storage=private_storage, blank=True
    )
    thumb = models.FileField(
        _("缩略图"), upload_to="civic/%Y/%m/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微实事进展")
        verbose_name_plural = _("微实事进展")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.note[:20]


class ProjectComment(models.Model):
    """A resident's word on a project (现场监督), shown with a masked name."""

    project = models.ForeignKey(
        CivicProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        User, verbose_name=_("留言人"), on_delete=models.PROTECT, related_name="+"
    )
    shown_name = models.CharField(_("公开称呼"), max_length=20)
    text = models.CharField(_("留言"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微实事留言")
        verbose_name_plural = _("微实事留言")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:20]


class ProjectRating(models.Model):
    """A resident's rating of a finished project: one per person, changeable."""

    project = models.ForeignKey(
        CivicProject, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="ratings"
    )
    user = models.ForeignKey(
        User, verbose_name=_("评价人"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("评分"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("微实事评价")
        verbose_name_plural = _("微实事评价")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_rating_once"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="project_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.score}"


# --- 微行动 -----------------------------------------------------------------------------------


class Activity(models.Model):
    """An org's activity open to sign-up: time, place, capacity, who may join."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("发布组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ActivityKind.choices)
    title = models.CharField(_("活动名称"), max_length=60)
    description = models.TextField(_("活动内容"), max_length=1000, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100)
    capacity = models.PositiveIntegerField(_("名额"))
    audience = models.CharField(
        _("参加对象"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE
    )
    signup_deadline = models.DateTimeField(_("报名截止"))
    tags = models.CharField(_("标签"), max_length=100, blank=True)
    # Offered on the members' menu of 组织生活 (菜单式).
    org_life = models.BooleanField(_("可作为组织生活"), default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=ActivityState.choices, default=ActivityState.PUBLISHED
    )
    checkin_key = models.CharField(_("签到密钥"), max_length=64, editable=False)
    confirmed_count = models.PositiveIntegerField(_("已报名"), default=0)
    waiting_count = models.PositiveIntegerField(_("候补"), default=0)
    created_by = models.ForeignKey(
        User, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微行动")
        verbose_name_plural = _("微行动")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["state", "starts_at"], name="activity_state_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_time_order"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_min"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")),
                name="activity_not_over_capacity",
            ),
            # The same activity posted twice (a double submit, a client's retry, two
            # requests at once) is one while it is open: the database decides the race.
            models.UniqueConstraint(
                fields=["org", "title", "starts_at", "created_by"],
                condition=Q(state=ActivityState.PUBLISHED),
                name="activity_one_open_repeat",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    """A person's place on an activity (confirmed or waiting, in order), their check-in
    and check-out, and the service hours credited."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    user = models.ForeignKey(
        User, verbose_name=_("报名人"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=10, choices=SignupState.choices)
    # The order of the waiting list: when the person (last) joined it.
    queued_at = models.DateTimeField(_("报名时间"))
    # 双报道: a member's hours are reported to their own branch, wherever they serve.
    home_branch = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在支部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1, default=0)
    hours_note = models.CharField(_("时长更正原因"), max_length=200, blank=True)
    hours_by = models.ForeignKey(
        User,
        verbose_name=_("更正人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="signup_once"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="signup_hours_positive"),
        ]
        indexes = [
            models.Index(fields=["activity", "state", "queued_at"], name="signup_queue_idx"),
            models.Index(fields=["user", "state"], name="signup_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.user_id}"


# --- 微星光 and 微平台 --------------------------------------------------------------------------


class Honor(models.Model):
    """An exemplary member, team or branch brand, nominated by an org, approved above it."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("推荐组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=8, choices=HonorKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=60)  # the person, the team, the brand
    person = models.ForeignKey(
        User,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    story = models.TextField(_("事迹"), max_length=1000)
    state = models.CharField(
        _("状态"), max_length=10, choices=HonorState.choices, default=HonorState.NOMINATED
    )
    nominated_by = models.ForeignKey(
        User, verbose_name=_("推荐人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    image = models.FileField(
        _("照片"), upload_to="honors/%Y/%m/", storage=private_storage, blank=True
    )
    thumb = models.FileField(
        _("缩略图"), upload_to="honors/%Y/%m/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微星光")
        verbose_name_plural = _("微星光")
        ordering = ["-year", "-decided_at", "-id"]
        indexes = [models.Index(fields=["state", "year"], name="honor_state_year_idx")]

    def __str__(self) -> str:
        return self.name


class OrgNotice(models.Model):
    """A short notice an org's admins post on its public page (微平台)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("组织"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        User, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("内容"), max_length=500)
    image = models.FileField(
        _("照片"), upload_to="notices/%Y/%m/", storage=private_storage, blank=True
    )
    thumb = models.FileField(
        _("缩略图"), upload_to="notices/%Y/%m/", storage=private_storage, blank=True
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织公告")
        verbose_name_plural = _("组织公告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"], name="orgnotice_org_idx")]

    def __str__(self) -> str:
        return self.text[:20]
