"""Finding and starting ffmpeg: XF_FFMPEG when set, else the binary bundled by imageio-ffmpeg
(ffmpeg 9 with libx264, libx265 and aac; it has no ffprobe, so probing is done with PyAV)."""

from __future__ import annotations

import ctypes
import functools
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from django.conf import settings


class FfmpegError(Exception):
    """ffmpeg exited with an error or had to be stopped; `hint` is a short technical line."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint or message


class FfmpegTimeout(FfmpegError):
    """ffmpeg ran past its time limit or stopped making progress, and was killed."""


@functools.cache
def _bundled_ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_exe() -> str:
    """The ffmpeg binary to run: settings.FFMPEG, or the one bundled with imageio-ffmpeg."""
    return settings.FFMPEG or _bundled_ffmpeg()


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec function that has Linux kill ffmpeg when the worker that started it dies.

    A worker killed by SIGKILL or the OOM killer would otherwise leave ffmpeg encoding for
    minutes into a directory nobody reads, competing with the run that replaces it. libc is
    loaded here, in the parent, so the child only makes one system call before exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGKILL))

    return preexec


def ffmpeg_popen(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    """Start ffmpeg with `args` (without the binary), never reading our stdin."""
    return subprocess.Popen(  # noqa: S603 (fixed binary, arguments built by us)
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=_die_with_parent(),  # one prctl call, see above
    )


def last_line(output: bytes | str) -> str:
    """The last non-empty line of ffmpeg's stderr, shortened: the actual error, usually."""
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""
