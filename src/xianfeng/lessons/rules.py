"""Who may do what with lessons."""

from __future__ import annotations

from typing import Any

from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over, holds_any

# 书记, 宣传委员 and 组织管理员 publish lessons in their subtree.
LESSON_MANAGE_ROLES = frozenset({RoleKind.SECRETARY, RoleKind.PROPAGANDA, RoleKind.ADMIN})
# Publishing to everyone (群众 and visitors included) is for org admins.
PUBLIC_ROLES = frozenset({RoleKind.ADMIN})
# 专业人士点评 is written by the reviewers (审核员) of the lesson's org or above.
COMMENTARY_ROLES = frozenset({RoleKind.REVIEWER})


def can_write_commentary(user: Any, lesson: Lesson) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and lesson.state == LessonState.PUBLISHED
        and has_role_over(user, lesson.org, COMMENTARY_ROLES)
    )


def is_lesson_owner(user: Any, lesson: Lesson) -> bool:
    """The lesson's author or its speaker."""
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if lesson.author_id == uid:
        return True
    speaker = lesson.speaker
    return speaker is not None and speaker.user_id == uid


def can_manage_lessons(user: Any, org: Org) -> bool:
    return has_role_over(user, org, LESSON_MANAGE_ROLES)


def can_edit_lesson(user: Any, lesson: Lesson) -> bool:
    """The author while it is not published, or a manager of its org at any time."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage_lessons(user, lesson.org):
        return True
    return lesson.author_id == user.pk and lesson.state in (
        LessonState.DRAFT,
        LessonState.SUBMITTED,
    )


def can_publish_to(user: Any, audience: Org | None, *, public: bool) -> bool:
    if public:
        return audience is not None and has_role_over(user, audience, PUBLIC_ROLES)
    return audience is not None and can_manage_lessons(user, audience)


def can_record_lessons(user: Any) -> bool:
    """Whether the person may start a lesson somewhere (a party member, or a manager of
    lessons): the 录制微党课 button is shown only then, never to end in a 403."""
    from xianfeng.people.selectors import member_of

    if not getattr(user, "is_authenticated", False):
        return False
    return member_of(user) is not None or holds_any(user, LESSON_MANAGE_ROLES)
