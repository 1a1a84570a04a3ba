from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xianfeng.mobility.enums import ActivityKind, ContactWay
from xianfeng.people.idcard import mask_phone


class MobileRecord(models.Model):
    """A member's 外出登记 (流动党员): where they went, how to reach them, which party org
    there looks after them, from when to when. The home branch keeps their membership;
    `returned_on` closes the stretch."""

    member = models.ForeignKey(
        "people.Member", verbose_name=_("党员"), on_delete=models.CASCADE, related_name="+"
    )
    home_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("流出党组织"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("流入地"), max_length=100, help_text=_("如：广东省深圳市宝安区"))
    workplace = models.CharField(_("工作单位或从业情况"), max_length=100, blank=True)
    phone = models.CharField(_("外出联系电话"), max_length=20)
    # The org at the place that looks after them: in the system (it may record their
    # activities) or named as the member gives it.
    host_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("流入地党组织"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    host_name = models.CharField(_("流入地党组织（系统外）"), max_length=100, blank=True)
    host_contact = models.CharField(_("流入地联系人及电话"), max_length=100, blank=True)
    card_number = models.CharField(_("流动党员活动证编号"), max_length=40, blank=True)
    left_on = models.DateField(_("外出日期"))
    expected_back = models.DateField(_("预计返回日期"), null=True, blank=True)
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # The quarter ("2026Q2") the home branch was last reminded to get in touch for.
    reminded_for = models.CharField(_("已提醒季度"), max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员登记")
        verbose_name_plural = _("流动党员登记")
        ordering = ["-left_on", "-id"]
        constraints = [
            # One open stretch away per member: a double submit registers once.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(returned_on__isnull=True),
                name="mobile_one_open_per_member",
            ),
            models.UniqueConstraint(
                fields=["card_number"], condition=~Q(card_number=""), name="mobile_card_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["home_org", "returned_on"], name="mobile_home_idx"),
            models.Index(fields=["host_org", "returned_on"], name="mobile_host_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.place}"

    @property
    def host_label(self) -> str:
        return self.host_org.name if self.host_org else self.host_name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class MobileContact(models.Model):
    """每季度联系: the home branch got in touch with the member away (their thinking, work,
    study, whether they take part in organisational life there)."""

    record = models.ForeignKey(
        MobileRecord, verbose_name=_("流动党员"), on_delete=models.CASCADE, related_name="contacts"
    )
    on = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=16, choices=ContactWay.choices)
    summary = models.CharField(_("联系情况"), max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员联系记录")
        verbose_name_plural = _("流动党员联系记录")
        ordering = ["record", "-on", "-id"]
        indexes = [models.Index(fields=["record", "on"], name="mobile_contact_on_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.on}"


class MobileActivity(models.Model):
    """What the member did at the place: a meeting attended, a study, service — recorded by
    the org there (in the system) or by the home branch from the member's report."""

    record = models.ForeignKey(
        MobileRecord, verbose_name=_("流动党员"), on_delete=models.CASCADE,
        related_name="activities",
    )  # fmt: skip
    on = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("内容"), max_length=200)
    # Which org recorded it (the host org, or the home branch).
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("记录组织"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流入地活动")
        verbose_name_plural = _("流入地活动")
        ordering = ["record", "-on", "-id"]
        constraints = [
            # The same meeting entered twice (a double click) is one row.
            models.UniqueConstraint(
                fields=["record", "on", "kind", "title"], name="mobile_activity_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.on} {self.title}"


# The fields an edit may change, with the labels the history shows.
EDITABLE_FIELDS = {
    "place": _("流入地"),
    "workplace": _("工作单位"),
    "phone": _("外出联系电话"),
    "host_org": _("流入地党组织"),
    "host_name": _("流入地党组织（系统外）"),
    "host_contact": _("流入地联系人"),
    "card_number": _("活动证编号"),
    "left_on": _("外出日期"),
    "expected_back": _("预计返回日期"),
    "note": _("备注"),
}


class MobileRecordChange(models.Model):
    """One edit of a registration by the home branch: who changed which fields, from what
    to what (as shown then: an org by its name), and when."""

    record = models.ForeignKey(
        MobileRecord, verbose_name=_("流动党员"), on_delete=models.CASCADE, related_name="changes"
    )
    # {field: [before, after]} as text, keys from EDITABLE_FIELDS.
    changes = models.JSONField(_("修改内容"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流动党员登记修改")
        verbose_name_plural = _("流动党员登记修改")
        ordering = ["record", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.changed_at:%Y-%m-%d}"

    def lines(self) -> list[tuple[str, str, str]]:
        """(label, before, after) in the form's order."""
        return [
            (str(label), *self.changes[name])
            for name, label in EDITABLE_FIELDS.items()
            if name in self.changes
        ]
