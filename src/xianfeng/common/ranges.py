"""Files answered whole or in the byte range a video element asks for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """The (first, last) bytes asked for; None for the whole file (no header, several
    ranges, or one we do not understand); False when nothing of the file is asked for."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last N bytes
        length = int(last_text)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if first >= size or last < first:
        return False
    return first, min(last, size - 1)


def _read(handle: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_file_response(
    request: HttpRequest, handle: IO[bytes], *, size: int, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """A file answered whole (200) or in the one byte range asked for (206), as a phone's
    video element and Safari's MP4 playback need; 416 for a range past the end."""
    wanted = _byte_range(request.headers.get("Range", ""), size)
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = max(0, last - first + 1)
    streamed = StreamingHttpResponse(
        _read(handle, first, length),
        status=206 if isinstance(wanted, tuple) else 200,
        content_type=content_type,
    )
    streamed["Content-Length"] = str(length)
    streamed["Accept-Ranges"] = "bytes"
    if isinstance(wanted, tuple):
        streamed["Content-Range"] = f"bytes {first}-{last}/{size}"
    return streamed
