from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    # No longer on the roll: the date is Member.left_on; changed only through
    # people/services/history.py (the member state machine).
    STOPPED = "stopped", _("停止党籍")
    EXPELLED = "expelled", _("出党")
    DECEASED = "deceased", _("去世")
    # 组织关系转出系统外 (the 回执 came back): off this system's roll from left_on; the
    # record comes back to life if they are transferred in again.
    TRANSFERRED = "transferred", _("已转出")


# Statuses of someone on the roll (counted, expected, owed something).
ON_ROLL = (MemberStatus.PROBATIONARY, MemberStatus.FULL)
# The statuses the member form and the roster import may set.
EDITABLE_STATUSES = [(s.value, s.label) for s in ON_ROLL]


S = MemberStatus
# 党籍: how a member's status may move (people/services/history.py applies it).
MEMBER_MACHINE = StateMachine(
    name="member",
    label="党员",
    states=MemberStatus,
    field="status",
    transitions={
        S.PROBATIONARY: {S.FULL, S.EXPELLED, S.DECEASED, S.TRANSFERRED},
        S.FULL: {S.STOPPED, S.EXPELLED, S.DECEASED, S.TRANSFERRED},
        S.STOPPED: {S.FULL, S.EXPELLED, S.DECEASED},
        S.TRANSFERRED: {S.FULL, S.PROBATIONARY},
    },
)


class StatusChangeKind(models.TextChoices):
    """Why a member's standing changed (党籍变动)."""

    CONFIRM = "confirm", _("转正")
    EXTEND = "extend", _("延长预备期")
    STOP = "stop", _("停止党籍")
    EXPEL = "expel", _("出党")
    DECEASE = "decease", _("去世")
    RESTORE = "restore", _("恢复党籍")
    TRANSFER = "transfer", _("组织关系转接")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专")
    HIGH = "high", _("高中")
    JUNIOR = "junior", _("初中")
    PRIMARY = "primary", _("小学及以下")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    COMMITTED = "committed", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")


class ApplicantStage(models.TextChoices):
    """发展党员: where a person is in the pipeline."""

    APPLIED = "applied", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    ADMITTED = "admitted", _("已接收为预备党员")
    DROPPED = "dropped", _("终止培养")


A = ApplicantStage
# 发展党员 (《中国共产党发展党员工作细则》): applicant → activist → candidate → admitted as a
# probationary member (then 转正 on the member, MEMBER_MACHINE). Any open stage may end.
APPLICANT_MACHINE = StateMachine(
    name="applicant",
    label="发展党员",
    states=ApplicantStage,
    field="stage",
    transitions={
        A.APPLIED: {A.ACTIVIST, A.DROPPED},
        A.ACTIVIST: {A.CANDIDATE, A.DROPPED},
        A.CANDIDATE: {A.ADMITTED, A.DROPPED},
    },
)
