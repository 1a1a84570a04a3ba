from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class LiveState(models.TextChoices):
    SCHEDULED = "scheduled", _("预告")
    LIVE = "live", _("直播中")
    ENDED = "ended", _("已结束")


LIVE_TRANSITIONS: dict[str, set[str]] = {
    LiveState.SCHEDULED: {LiveState.LIVE, LiveState.ENDED},
    LiveState.LIVE: {LiveState.ENDED},
    LiveState.ENDED: set(),
}
# Events: live.live (went on air), live.ended.
LIVE_MACHINE = StateMachine(
    name="live", label="直播", states=LiveState, transitions=LIVE_TRANSITIONS
)

# A run (one MediaRecorder session of the speaker's page) ends when no chunk has come for
# this long: its transcoder writes its last segment and stops. A reconnect opens a new run,
# which the viewers' playlist joins after a discontinuity (a gap, not a new stream).
RUN_IDLE_SECONDS = 8
SEGMENT_SECONDS = 2
MAX_CHUNK_BYTES = 4 * 1024 * 1024
