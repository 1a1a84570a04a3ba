from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xianfeng.common.storage import private_storage
from xianfeng.meetings.enums import (
    AMENDABLE_FIELDS,
    AttachmentKind,
    AttendanceSource,
    AttendanceStatus,
    LeaveStatus,
    MeetingKind,
    MeetingState,
    Period,
    RectificationState,
)


class Meeting(models.Model):
    """One meeting of the 三会一课 ledger: planned, held, recorded (AB), approved, archived."""

    # The branch holds it, or one of its party groups (党小组会).
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("召开组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    # The branch whose ledger it belongs to (org itself, or the group's branch).
    branch = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属支部"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    topic = models.CharField(_("会议主题"), max_length=100)
    description = models.TextField(_("会议安排"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("会议地点"), max_length=100)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人A"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人B"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 党课: who gives it (a member, or an invited speaker by name), maybe a micro lesson.
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主讲人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    speaker_name = models.CharField(_("主讲人姓名"), max_length=50, blank=True)
    lesson = models.ForeignKey(
        "lessons.Lesson",
        verbose_name=_("关联微党课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    # The local calendar date of starts_at, kept by the services for the ledger's sums.
    year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    month = models.PositiveSmallIntegerField(_("月份"), editable=False)
    # Key of the rotating sign-in QR codes; never leaves the server.
    checkin_key = models.CharField(_("签到密钥"), max_length=64, editable=False)
    held_at = models.DateTimeField(_("标记召开时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # Fixed when the minutes are approved (the figures the minutes state).
    quorum_base = models.PositiveIntegerField(_("应到有表决权人数"), null=True, blank=True)
    quorum_present = models.PositiveIntegerField(_("实到有表决权人数"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["year", "branch", "kind"], name="meeting_ledger_idx"),
            models.Index(fields=["org", "starts_at"], name="meeting_org_time_idx"),
            models.Index(fields=["state", "starts_at"], name="meeting_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(recorder_a=F("recorder_b")), name="meeting_two_recorders"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="meeting_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.topic}"


class Minutes(models.Model):
    """The record of a meeting (会议记录): written by recorder A, approved by B."""

    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("会议"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="minutes",
    )
    agenda = models.TextField(_("会议议程"), blank=True)
    discussion = models.TextField(_("讨论情况"), blank=True)
    resolutions = models.TextField(_("会议决议"), blank=True)
    # 主题党日, recorded as 一课一片一实践 (the 课 is the meeting's lesson and speaker).
    film = models.CharField(_("观看影片（一片）"), max_length=100, blank=True)
    practice = models.TextField(_("实践活动（一实践）"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    returned_note = models.CharField(_("退回意见"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")

    def __str__(self) -> str:
        return f"{self.meeting} 记录"


class Attendance(models.Model):
    """One expected attendee of a meeting and what became of them: signed in, late, on
    leave, absent; 补录 entries keep their reason."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    status = models.CharField(
        _("出勤"),
        max_length=16,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.EXPECTED,
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=AttendanceSource.choices, default=AttendanceSource.PLAN
    )
    signed_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    reason = models.CharField(_("补录原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("补录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_status_display()}"


class LeaveRequest(models.Model):
    """A 请假 for one meeting, with a reason, decided by the branch secretary."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("请假人"),
        on_delete=models.PROTECT,
        related_name="meeting_leaves",
    )
    reason = models.CharField(_("请假事由"), max_length=200)
    status = models.CharField(
        _("审批"), max_length=16, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="leave_once_per_meeting"),
        ]
        indexes = [models.Index(fields=["status", "meeting"], name="leave_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_status_display()}"


class Attachment(models.Model):
    """A photo of the meeting or a scan of the paper sign-in sheet, resized, kept private."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("类别"), max_length=8, choices=AttachmentKind.choices)
    image = models.FileField(_("图片"), upload_to="meetings/%Y/%m/", storage=private_storage)
    thumb = models.FileField(_("缩略图"), upload_to="meetings/%Y/%m/", storage=private_storage)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["kind", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class Amendment(models.Model):
    """A visible change to approved or archived minutes: what changed, why, by whom."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="amendments"
    )
    field = models.CharField(_("修订项"), max_length=32)
    before = models.TextField(_("修订前"), blank=True)
    after = models.TextField(_("修订后"), blank=True)
    note = models.CharField(_("修订说明"), max_length=500)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修订人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("修订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("记录修订")
        verbose_name_plural = _("记录修订")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting} 修订 {self.field}"

    @property
    def field_label(self) -> str:
        return AMENDABLE_FIELDS.get(self.field, self.field)


class MeetingRule(models.Model):
    """How often a kind of meeting is required in an org's subtree; a lower org's rule for
    the same kind overrides it. Without any, the defaults of the 三会一课 rules apply."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    period = models.CharField(_("频次"), max_length=8, choices=Period.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("频次要求")
        verbose_name_plural = _("频次要求")
        constraints = [
            models.UniqueConstraint(fields=["org", "kind"], name="meeting_rule_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()} {self.get_period_display()}"


class MeetingPrefs(models.Model):
    """A person's private calendar feed (revoked by bumping the version); the address
    notifications are e-mailed to is notify.Prefs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="meeting_prefs",
    )
    calendar_enabled = models.BooleanField(_("启用日历订阅"), default=False)
    calendar_version = models.PositiveIntegerField(_("订阅地址版本"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会议设置")
        verbose_name_plural = _("会议设置")

    def __str__(self) -> str:
        return str(self.user)


class ReminderSent(models.Model):
    """A reminder sent for one branch, kind and period: each is sent once."""

    branch = models.ForeignKey(
        "orgs.Org", verbose_name=_("支部"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    period_key = models.CharField(_("周期"), max_length=16)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "kind", "period_key"], name="reminder_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.kind} {self.period_key}"


# --- 组织生活会 ----------------------------------------------------------------------------------


class LifeFile(models.Model):
    """A document or picture kept private beside a 组织生活会 record (material, evidence)."""

    file = models.FileField(
        _("文件"), upload_to="meetings/life/%Y/%m/", storage=private_storage, blank=True
    )
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小"), default=0)

    class Meta:
        abstract = True


class ReviewMaterial(LifeFile):
    """对照检查材料: what one person prepared for a 组织生活会, as text, a file, or both."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="materials"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("本人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("材料内容"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对照检查材料")
        verbose_name_plural = _("对照检查材料")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="material_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.author}"


class Criticism(models.Model):
    """批评与自我批评: who spoke about whom (nobody else: a self-criticism), as recorded."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="criticisms"
    )
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发言人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Null: the speaker criticised themself (自我批评).
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被批评人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField(_("意见内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("批评与自我批评")
        verbose_name_plural = _("批评与自我批评")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target=F("speaker")), name="criticism_self_is_null_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.speaker}"

    @property
    def is_self(self) -> bool:
        return self.target_id is None


class Rectification(models.Model):
    """One item of a 组织生活会's 整改清单: the problem, the measures, who and by when; the
    owner reports progress with evidence, the branch secretary closes it (销号)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="rectifications"
    )
    # The meeting's branch, kept on the item: every list is scoped by it.
    branch = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属支部"), on_delete=models.PROTECT, related_name="+"
    )
    problem = models.CharField(_("存在问题"), max_length=500)
    measures = models.TextField(_("整改措施"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(
        _("状态"),
        max_length=8,
        choices=RectificationState.choices,
        default=RectificationState.OPEN,
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # The local date of closed_at: "on time" is closed_on <= deadline.
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    close_note = models.CharField(_("销号意见"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["branch", "state", "deadline"], name="rect_branch_state_idx"),
            models.Index(fields=["state", "deadline"], name="rect_state_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=RectificationState.OPEN, closed_on__isnull=True)
                | Q(state=RectificationState.CLOSED, closed_on__isnull=False),
                name="rect_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    def overdue_on(self, day: datetime.date) -> bool:
        """Still open after its deadline."""
        return self.state == RectificationState.OPEN and self.deadline < day

    @property
    def on_time(self) -> bool | None:
        if self.closed_on is None:
            return None
        return self.closed_on <= self.deadline


class RectificationUpdate(LifeFile):
    """A progress report on an item, with evidence (a document or photo) if any."""

    item = models.ForeignKey(
        Rectification, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("进展情况"))
    created_at = models.DateTimeField(_("报告时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} · {self.created_at:%Y-%m-%d}"


class RectificationReminder(models.Model):
    """An overdue item's reminder in one week: each is sent once."""

    item = models.ForeignKey(
        Rectification, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="+"
    )
    period_key = models.CharField(_("周期"), max_length=16)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改提醒记录")
        verbose_name_plural = _("整改提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["item", "period_key"], name="rect_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.period_key}"
