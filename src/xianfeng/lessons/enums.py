from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine

# Moderated text's status lives in moderation; lessons uses it under the same name.
from xianfeng.moderation.enums import TextStatus as TextStatus


class LessonState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待发布")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


LESSON_TRANSITIONS: dict[str, set[str]] = {
    LessonState.DRAFT: {LessonState.SUBMITTED},
    LessonState.SUBMITTED: {LessonState.PUBLISHED, LessonState.DRAFT},
    LessonState.PUBLISHED: {LessonState.ARCHIVED, LessonState.DRAFT},
    LessonState.ARCHIVED: {LessonState.PUBLISHED},
}
# Events: lesson.submitted, lesson.published, lesson.draft (withdrawn), lesson.archived.
LESSON_MACHINE = StateMachine(
    name="lesson", label="微党课", states=LessonState, transitions=LESSON_TRANSITIONS
)


# Completed: at least this share of the lesson's duration covered by watched sections.
COMPLETION_SHARE = 0.9
REFLECTION_MIN_CHARS = 50

DEFAULT_TAGS = [
    ("dangzhang", "党章党规"),
    ("dangshi", "党史"),
    ("xianjin", "先进事迹"),
    ("zhengce", "政策理论"),
    ("anquan", "安全生产"),
    ("xiangcun", "乡村振兴"),
    ("lianjie", "廉洁文化"),
    ("fuwu", "为民服务"),
]
