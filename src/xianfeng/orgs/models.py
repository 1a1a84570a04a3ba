from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xianfeng.orgs import paths
from xianfeng.orgs.enums import OrgChangeKind, OrgKind, Region, RoleKind

if TYPE_CHECKING:
    from collections.abc import Iterable

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("组织代码只能包含字母、数字、下划线和短横线，最长 32 位"),
)


class OrgQuerySet(models.QuerySet["Org"]):
    def within(self, orgs: Iterable[Org]) -> OrgQuerySet:
        """The orgs in the subtrees of `orgs` (each root included)."""
        return self.filter(subtree_q([org.path for org in orgs], field="path"))


def subtree_q(root_paths: Iterable[str], *, field: str) -> Q:
    """A Q matching rows whose org path (at `field`) lies in any of the given subtrees.

    One indexed range per outermost root; an empty list matches nothing.
    """
    roots = paths.outermost(root_paths)
    if not roots:
        return Q(pk__in=[])
    query = Q()
    for root in roots:
        query |= Q(**{f"{field}__gte": root, f"{field}__lt": paths.upper_bound(root)})
    return query


class Org(models.Model):
    """A party organisation (党委, 党工委, 党总支, 党支部, 党小组): one node of the tree."""

    code = models.CharField(_("组织代码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("组织类别"), max_length=16, choices=OrgKind.choices)
    region = models.CharField(
        _("所在地域"), max_length=16, choices=Region.choices, default=Region.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Written only by orgs.services; see orgs/paths.py.
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    # 成立日期: when the organisation was founded (what compliance owes from), not when
    # its row was typed in.
    founded_on = models.DateField(_("成立日期"), default=timezone.localdate)
    # 撤销日期: from this day the org no longer exists (orgs.services.org_dissolve); it owes
    # nothing from then on and its history stays readable.
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolve_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "sort_order"], name="org_children_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def upper_path(self) -> str:
        return paths.upper_bound(self.path)

    def contains(self, other: Org) -> bool:
        """True when `other` is this org or lies below it."""
        return other.path.startswith(self.path)

    def ancestor_ids(self) -> list[int]:
        return paths.ids_in(self.path)[:-1]


class Role(models.Model):
    """A person's role at an org (书记, 组织管理员, 评委 …); it reaches the whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    org = models.ForeignKey(
        Org, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("角色"), max_length=16, choices=RoleKind.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授予人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "kind"], name="role_once_per_org")
        ]
        indexes = [models.Index(fields=["org", "kind"], name="role_org_kind_idx")]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()}"


class OrgChange(models.Model):
    """One dated change of an org (成立, 更名, 调整隶属关系, 合并, 撤销) with its reason.

    Names over time come from the 更名 rows: the org was called `old_name` until
    `effective_on` (orgs.selectors.org_name_on). Codes never change, so every export made
    before a rename still finds the org."""

    org = models.ForeignKey(
        Org, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("变动类别"), max_length=16, choices=OrgChangeKind.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因或文号"), max_length=200, blank=True)
    old_name = models.CharField(_("原名称"), max_length=100, blank=True)
    new_name = models.CharField(_("新名称"), max_length=100, blank=True)
    from_parent = models.ForeignKey(
        Org,
        verbose_name=_("原上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_parent = models.ForeignKey(
        Org,
        verbose_name=_("新上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The other side of a merge: where this org went, or which org came into it.
    other = models.ForeignKey(
        Org,
        verbose_name=_("合并对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织变动")
        verbose_name_plural = _("组织变动")
        ordering = ["org", "effective_on", "id"]
        indexes = [models.Index(fields=["org", "kind", "effective_on"], name="org_change_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.get_kind_display()} {self.effective_on}"
