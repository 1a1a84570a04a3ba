from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working", _("党工委")
    GENERAL_BRANCH = "general", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


class Region(models.TextChoices):
    COUNTY = "county", _("县")
    TOWN = "town", _("镇街")
    VILLAGE = "village", _("村社区")
    COMPANY = "company", _("企业")
    SCHOOL = "school", _("学校")
    AGENCY = "agency", _("机关")
    OTHER = "other", _("其他")


# Which kinds of organisation may sit under which (the 党章 structure, loosely).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE},
    OrgKind.WORKING_COMMITTEE: {None, OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.GROUP: {OrgKind.BRANCH},
}

# Kinds a member's registry record may belong to (a party group is recorded separately).
MEMBER_ORG_KINDS = {
    OrgKind.BRANCH,
    OrgKind.GENERAL_BRANCH,
    OrgKind.COMMITTEE,
    OrgKind.WORKING_COMMITTEE,
}


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    ORGANIZER = "organizer", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    ADMIN = "admin", _("组织管理员")
    JUDGE = "judge", _("评委")
    SITE_ADMIN = "site_admin", _("站点管理员")
    REVIEWER = "reviewer", _("审核员")


# What each role lets its holder do in the subtree of the role's org. Reach depends on the
# kind: the branch officers and admins reach the subtree's records (lessons, minutes,
# rosters); a 评委 reaches only the contest entries assigned to them, a 审核员 the review
# queue, a 站点管理员 their sites — none of those three sees a branch's life through the role.
RECORD_ROLES = frozenset(
    {RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ADMIN}
)
ROSTER_VIEW_ROLES = frozenset(
    {RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ADMIN}
)
ROSTER_MANAGE_ROLES = frozenset({RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.ADMIN})
ORG_ADMIN_ROLES = frozenset({RoleKind.ADMIN})


class OrgChangeKind(models.TextChoices):
    """What happened to an org on a date (its history, shown on its page)."""

    FOUNDED = "founded", _("成立")
    RENAMED = "renamed", _("更名")
    MOVED = "moved", _("调整隶属关系")
    MERGED_IN = "merged_in", _("并入本组织")
    MERGED = "merged", _("并入其他组织")
    DISSOLVED = "dissolved", _("撤销")
