"""Meeting photos and sign-in sheet scans: the shared photo processing (common/images.py)
with the meetings' limits."""

from __future__ import annotations

from typing import IO

from xianfeng.common.images import Processed
from xianfeng.common.images import process_image as _process_image
from xianfeng.meetings.enums import ATTACHMENT_MAX_BYTES, THUMB_MAX_SIDE

__all__ = ["Processed", "process_image"]


def process_image(handle: IO[bytes], *, size: int, max_side: int) -> Processed:
    """Check and shrink an uploaded picture; refuses what is not a picture."""
    return _process_image(
        handle,
        size=size,
        max_side=max_side,
        max_bytes=ATTACHMENT_MAX_BYTES,
        thumb_side=THUMB_MAX_SIDE,
    )
