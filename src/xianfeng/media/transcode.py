"""The ffmpeg side of transcoding: the ladder a source gets, the one ffmpeg command that
makes all of it, and running that command with progress and time limits.

One process decodes the source once and `split`s it into the renditions; the top
rendition's encode goes through the `tee` muxer to both its HLS playlist and the
progressive MP4, so nothing is encoded twice. Keyframes are forced every
HLS_SEGMENT_SECONDS (and every second before the first of those, for short first segments)
with scene-cut keyframes off, so every rendition cuts its segments at the same instants
and a player can switch between them. The playlists are written as EVENT
playlists, so segments can be published (and played) while ffmpeg is still running.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from xianfeng.media.ffmpeg import FfmpegError, FfmpegTimeout, ffmpeg_popen, last_line
from xianfeng.media.probe import Probe

MASTER = "master.m3u8"
PLAYLIST = "index.m3u8"
SEGMENT = "seg_%05d.ts"
MP4 = "video.mp4"
M4A = "audio.m4a"
AUDIO_CODECS = "mp4a.40.2"  # AAC-LC
# x264's speed/size trade-off: on two cores "veryfast" keeps a 1080p ladder well under real
# time; slower presets save ~10 % of the bits for twice the time.
PRESET = "veryfast"
# The first HLS_SEGMENT_SECONDS are cut into segments this long: a member can start
# watching once the first one exists, whatever the length of the clip, and on a weak link
# (400 kbit/s, 400 ms) the first frame comes after ~65 KB instead of ~125 KB: 2.6 s after
# pressing play instead of 3.8 (benchmarks/weak_network.py).
FIRST_SEGMENT_SECONDS = 1
# Time limits: a run may take BASE + FACTOR × the clip's duration (4K HEVC on two cores is
# about 1× real time; 1080p H.264 about 0.6×), and must make progress every STALL seconds.
TIMEOUT_BASE_SECONDS = 120.0
TIMEOUT_FACTOR = 4.0
STALL_SECONDS = 120.0


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: the SHORT side it scales to and how many bits it may use."""

    short_side: int
    video_kbps: int
    audio_kbps: int
    level: str  # H.264 level, written into the stream and into CODECS
    crf: int = 23


# 360p first: it is what a member on a village 4G link plays, and what becomes playable
# first. 720p only from sources that have it (the short side is at least 720).
LADDER = (Rung(360, 800, 96, "3.1"), Rung(720, 2500, 128, "4.0"))
AUDIO_RUNG = Rung(0, 0, 128, "")


@dataclass(frozen=True)
class Rendition:
    """A rendition to make: its directory name, its expected size and bit rates."""

    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    level: str
    crf: int
    has_audio: bool = True

    @property
    def playlist(self) -> str:
        return f"{self.name}/{PLAYLIST}"

    @property
    def is_audio(self) -> bool:
        return self.width == 0

    @property
    def codecs(self) -> str:
        parts = []
        if not self.is_audio:
            major, _, minor = self.level.partition(".")
            parts.append(f"avc1.6400{int(major) * 10 + int(minor or 0):02x}")  # High profile
        if self.has_audio:
            parts.append(AUDIO_CODECS)
        return ",".join(parts)

    @property
    def peak_bandwidth(self) -> int:
        """What the encoder may use at most, in bit/s: the master's BANDWIDTH until the
        segments can be measured."""
        return (self.video_kbps + (self.audio_kbps if self.has_audio else 0)) * 1000


def scaled_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """What `scale=...-2...` makes of a display size when the short side becomes
    `short_side` (ffmpeg rounds the long side to the nearest even number)."""
    if width > height:
        return _even_round(short_side * width / height), short_side
    return short_side, _even_round(short_side * height / width)


def _even_round(value: float) -> int:
    return int(value / 2 + 0.5) * 2


def plan_ladder(probe: Probe) -> list[Rendition]:
    """The renditions for a source: audio only, or 360p (or the source's own size when it is
    smaller) plus 720p when the source's short side is at least 720. Never upscaled."""
    if probe.is_audio_only:
        rung = AUDIO_RUNG
        return [Rendition("audio", 0, 0, 0, rung.audio_kbps, "", 0)]
    renditions = []
    short = probe.short_side
    for rung in LADDER:
        if rung is not LADDER[0] and short < rung.short_side:
            continue
        side = min(rung.short_side, short - short % 2)
        width, height = scaled_size(probe.width, probe.height, side)
        renditions.append(
            Rendition(
                f"{side}p",
                width,
                height,
                rung.video_kbps,
                rung.audio_kbps,
                rung.level,
                rung.crf,
                has_audio=probe.has_audio,
            )
        )
    return renditions


def _scale_filter(short_side: int) -> str:
    # ffmpeg has already turned a phone's portrait clip upright, so scale the SHORT side:
    # `scale=-2:720` would make a portrait clip 406×720.
    return (
        f"scale='if(gt(iw,ih),-2,{short_side})':'if(gt(iw,ih),{short_side},-2)',"
        "setsar=1,format=yuv420p"
    )


def _first_seconds(segment_seconds: int) -> int:
    """The length of the first segments: shorter, so the first one is finished (and the
    video playable) three times sooner; 0 when the segment length does not allow it."""
    first = FIRST_SEGMENT_SECONDS
    return first if segment_seconds > first and segment_seconds % first == 0 else 0


def keyframe_expression(segment_seconds: int) -> str:
    """Keyframes every `segment_seconds`, and every FIRST_SEGMENT_SECONDS within the first
    segment length: 0, 1, 2, 3, 4, 5, 6, 12, 18 … for 6 s segments. The same instants in
    every rendition."""
    first = _first_seconds(segment_seconds)
    if not first:
        return f"expr:gte(t,n_forced*{segment_seconds})"
    early = segment_seconds // first  # keyframes forced before the first full-length cut
    return (
        f"expr:if(lt(t,{segment_seconds}),gte(t,n_forced*{first}),"
        f"gte(t,{segment_seconds}*(n_forced-{early - 1})))"
    )


def _hls_options(segment_seconds: int, *, short_first: bool = True) -> dict[str, str]:
    # Audio has no keyframes to hold the cuts back: short first segments would be short
    # throughout, and audio is transcoded fifty times faster than real time anyway.
    first = _first_seconds(segment_seconds) if short_first else 0
    return {
        "hls_time": str(segment_seconds),
        # hls_init_time applies to the whole of an EVENT playlist, but cuts fall on
        # keyframes only, which come every segment_seconds after the first ones.
        **({"hls_init_time": str(first)} if first else {}),
        "hls_playlist_type": "event",
        "hls_flags": "independent_segments+temp_file",
        "hls_segment_type": "mpegts",
    }


def ladder_command(
    source: Path,
    probe: Probe,
    renditions: list[Rendition],
    *,
    segment_seconds: int | None = None,
    preset: str | None = None,
    threads: int | None = None,
) -> list[str]:
    """The ffmpeg arguments (after the binary) that make every rendition, the MP4 (or M4A)
    and print progress on stdout. Output paths are relative: run it in the output directory.
    """
    seconds = segment_seconds or settings.HLS_SEGMENT_SECONDS
    preset = preset or PRESET
    threads = settings.TRANSCODE_THREADS if threads is None else threads
    args = ["-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y"]
    # The demuxer the probe chose, named, so ffmpeg cannot pick another one by sniffing.
    args += [*(["-f", probe.demuxer] if probe.demuxer else []), "-i", f"file:{source}"]
    audio_map = ["-map", "0:a:0"] if probe.has_audio else []
    audio_codec = ["-c:a", "aac", *(["-ac", "2"] if probe.audio_channels > 2 else [])]

    if probe.is_audio_only:
        (rendition,) = renditions
        args += [*audio_map, "-vn", *audio_codec, "-b:a", f"{rendition.audio_kbps}k"]
        args += ["-flags", "+global_header", "-f", "tee"]
        args.append(
            _tee_hls(rendition, seconds, short_first=False) + f"|[f=ipod:movflags=+faststart]{M4A}",
        )
        return args

    # At most 30 frames a second: a 60 fps phone clip costs twice the encoding for nothing
    # a phone screen at 360p shows.
    head = "[0:v:0]fps=30," if probe.fps > 30.5 else "[0:v:0]"
    labels = [f"v{i}" for i in range(len(renditions))]
    graph = head + f"split={len(renditions)}" + "".join(f"[s{i}]" for i in range(len(labels)))
    for i, rendition in enumerate(renditions):
        short = min(rendition.width, rendition.height)
        graph += f";[s{i}]{_scale_filter(short)}[{labels[i]}]"
    args += ["-filter_complex", graph]

    keyframes = keyframe_expression(seconds)
    for i, rendition in enumerate(renditions):
        top = i == len(renditions) - 1
        args += ["-map", f"[{labels[i]}]", *audio_map]
        args += ["-c:v", "libx264", "-preset", preset, "-profile:v", "high"]
        args += ["-level:v", rendition.level, "-crf", str(rendition.crf)]
        args += ["-maxrate", f"{rendition.video_kbps}k", "-bufsize", f"{rendition.video_kbps * 2}k"]
        args += ["-force_key_frames", keyframes, "-sc_threshold", "0"]
        if threads:
            args += ["-threads", str(threads)]
        if probe.has_audio:
            args += [*audio_codec, "-b:a", f"{rendition.audio_kbps}k"]
        if top:
            # The top rendition also becomes the progressive MP4: the same packets, muxed
            # twice. The MP4 needs the codec headers out of band (global_header); the
            # MPEG-TS segments get them back in-band from the muxer.
            args += ["-flags", "+global_header", "-f", "tee"]
            args.append(_tee_hls(rendition, seconds) + f"|[f=mp4:movflags=+faststart]{MP4}")
        else:
            # The HLS muxer's MPEG-TS segments otherwise start 1.4 s late (the default mux
            # delay and preload) while the tee'd top rendition starts at 0: a player
            # switching rendition would jump or repeat 1.4 s.
            args += ["-muxdelay", "0", "-muxpreload", "0", "-f", "hls"]
            for key, value in _hls_options(seconds).items():
                args += [f"-{key}", value]
            args += ["-hls_segment_filename", f"{rendition.name}/{SEGMENT}", rendition.playlist]
    return args


def _tee_hls(rendition: Rendition, seconds: int, *, short_first: bool = True) -> str:
    options = {
        **_hls_options(seconds, short_first=short_first),
        "hls_segment_filename": f"{rendition.name}/{SEGMENT}",
    }
    return "[f=hls:" + ":".join(f"{k}={v}" for k, v in options.items()) + f"]{rendition.playlist}"


def prepare_output_dirs(workdir: Path, renditions: list[Rendition]) -> None:
    for rendition in renditions:
        (workdir / rendition.name).mkdir(parents=True, exist_ok=True)


def transcode_timeout(duration: float) -> float:
    base = float(getattr(settings, "TRANSCODE_TIMEOUT_BASE", TIMEOUT_BASE_SECONDS))
    factor = float(getattr(settings, "TRANSCODE_TIMEOUT_FACTOR", TIMEOUT_FACTOR))
    return base + factor * duration


class FfmpegRun:
    """A running ffmpeg: reads its `-progress` output on a thread, enforces the time limit
    and the stall limit, keeps stderr in a file for the error message."""

    def __init__(self, args: list[str], *, cwd: Path, duration: float) -> None:
        self.duration = max(duration, 0.001)
        self.timeout = transcode_timeout(duration)
        self.stall = float(getattr(settings, "TRANSCODE_STALL_SECONDS", STALL_SECONDS))
        self.out_seconds = 0.0
        self.started = time.monotonic()
        self.advanced = self.started
        self._stderr_path = cwd / "ffmpeg-stderr.log"
        self._stderr: IO[Any] = self._stderr_path.open("wb")
        self.process = ffmpeg_popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=self._stderr)
        self._reader = threading.Thread(target=self._read_progress, name="ffmpeg-progress")
        self._reader.daemon = True
        self._reader.start()

    def _read_progress(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        for raw in stdout:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                seconds = int(value) / 1_000_000
                if seconds > self.out_seconds:
                    self.out_seconds = seconds
                    self.advanced = time.monotonic()

    @property
    def percent(self) -> int:
        return max(0, min(99, int(self.out_seconds * 100 / self.duration)))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, seconds: float) -> int | None:
        """Wait up to `seconds` for ffmpeg to end; its exit code, or None while it runs.
        Kills it and raises FfmpegTimeout past the time limit or the stall limit."""
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now - self.started > self.timeout:
            self.kill()
            raise FfmpegTimeout(
                f"transcode ran longer than {self.timeout:g} s",
                hint=f"转码超时（超过 {self.timeout:g} 秒）",
            )
        if now - self.advanced > self.stall:
            self.kill()
            raise FfmpegTimeout(
                f"transcode made no progress for {self.stall:g} s",
                hint=f"转码停滞（{self.stall:g} 秒没有进展）",
            )
        return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.close()

    def close(self) -> None:
        """Reap the process and close its pipes (idempotent)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    def check(self) -> None:
        """FfmpegError when ffmpeg ended with a non-zero exit code."""
        code = self.process.returncode
        if code:
            hint = last_line(self._stderr_path.read_bytes()) if self._stderr_path.exists() else ""
            raise FfmpegError(
                f"ffmpeg exited with {code}: {hint}", hint=f"ffmpeg 退出码 {code}：{hint}"
            )
