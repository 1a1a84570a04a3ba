"""The shared state machine: declared transitions, one refusal message, an event each."""

from __future__ import annotations

import pytest

from tests.factories import ready_video
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import StateMachine, transition
from xianfeng.lessons.enums import LESSON_MACHINE, LessonState
from xianfeng.media.enums import VIDEO_MACHINE, VideoStatus

pytestmark = pytest.mark.django_db


def test_illegal_move_is_refused_and_changes_nothing(county):
    video = ready_video(county.member_a1.user)
    before = AuditLog.objects.count()
    with pytest.raises(Refused) as refused:
        transition(video, VIDEO_MACHINE, VideoStatus.TRANSCODING, actor=None)
    assert refused.value.message == "视频状态不能从“可播放”变为“转码中”"
    video.refresh_from_db()
    assert video.status == VideoStatus.READY
    assert AuditLog.objects.count() == before


def test_legal_move_saves_fields_and_publishes_the_event(county):
    video = ready_video(county.member_a1.user)
    transition(
        video,
        VIDEO_MACHINE,
        VideoStatus.UPLOADED,
        actor=county.member_a1.user,
        fields={"failure_reason": "", "progress": 0},
        data={"why": "重新处理"},
    )
    video.refresh_from_db()
    assert (video.status, video.progress) == ("uploaded", 0)
    row = AuditLog.objects.get(event="video.uploaded")
    assert (row.action, row.object_id, row.actor_id) == (
        "video.uploaded",
        str(video.pk),
        county.member_a1.user.pk,
    )
    assert row.data == {"from": "ready", "why": "重新处理"}


def test_same_state_and_quiet_states_publish_nothing(county):
    video = ready_video(county.member_a1.user)
    transition(video, VIDEO_MACHINE, VideoStatus.READY, actor=None, fields={"progress": 100})
    transition(video, VIDEO_MACHINE, VideoStatus.UPLOADED, actor=None)
    transition(video, VIDEO_MACHINE, VideoStatus.PROBING, actor=None)  # quiet
    rows = AuditLog.objects.filter(object_type="media.video", object_id=str(video.pk))
    assert list(rows.values_list("event", flat=True)) == ["video.uploaded"]


def test_same_state_is_refused_unless_the_machine_allows_it():
    assert not LESSON_MACHINE.can(LessonState.DRAFT, LessonState.DRAFT)
    assert VIDEO_MACHINE.can(VideoStatus.READY, VideoStatus.READY)
    assert LESSON_MACHINE.can(LessonState.SUBMITTED, LessonState.PUBLISHED)
    assert not LESSON_MACHINE.can(LessonState.DRAFT, LessonState.PUBLISHED)
    assert LESSON_MACHINE.refusal("draft", "published").message == (
        "微党课不能从“草稿”变为“已发布”"
    )


def test_a_table_naming_unknown_states_does_not_load():
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine(name="x", label="x", states=LessonState, transitions={"draft": {"flying"}})
