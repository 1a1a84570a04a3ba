"""What a finished upload or a processed video belongs to, without media knowing the apps.

An app registers a target kind in AppConfig.ready():

    targets.register("lesson", UploadTarget(may_upload=..., attach=..., on_status=...))

`may_upload(user, target_id)` decides whether the person may send a file for it (the tus
creation request is refused otherwise), `attach(video, target_id)` is called in the
transaction that turns a finished upload into a Video, and `on_status(video)` after every
status change (to notify the uploader, publish the lesson's duration, …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xianfeng.media.models import Video


@dataclass(frozen=True)
class UploadTarget:
    may_upload: Callable[[Any, str], bool]
    attach: Callable[[Video, str], None]
    on_status: Callable[[Video], None] | None = None


_targets: dict[str, UploadTarget] = {}


def register(kind: str, target: UploadTarget) -> None:
    _targets[kind] = target


def get(kind: str) -> UploadTarget | None:
    return _targets.get(kind)


def all_targets() -> dict[str, UploadTarget]:
    return dict(_targets)
