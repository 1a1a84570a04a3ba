"""The live's files: chunks of each run appended to `run-K.webm`, one ffmpeg per run reading
that file as it grows (`-follow 1`) into 2-second HLS segments `rK_NNNNN.ts` and a playlist
`rK.m3u8`, and the viewers' playlist composed from the runs with a discontinuity between
them. Local media storage (the embedded default); see README for S3."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from xianfeng.live.enums import RUN_IDLE_SECONDS, SEGMENT_SECONDS
from xianfeng.media.ffmpeg import ffmpeg_exe, ffmpeg_popen, last_line

_SEGMENT = re.compile(r"^r\d+_\d{5}\.ts$")


def live_dir(storage_key: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / "videos" / storage_key / "live"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_source(storage_key: str, run: int) -> Path:
    return live_dir(storage_key) / f"run-{run}.webm"


def append_chunk(storage_key: str, run: int, data: bytes) -> None:
    with run_source(storage_key, run).open("ab") as handle:
        handle.write(data)


# An audio-only run (the speaker's network too weak for video) gets a still picture, so every
# run stays H.264 + AAC and the viewers' player and the recording see one kind of stream.
STILL = "color=c=0xa61b1b:s=640x360:r=25"
# How long an RTMP listener waits for OBS to connect before giving up (seconds).
RTMP_LISTEN_SECONDS = 600


def _hls_args(folder: Path, run: int, *, audio_only: bool) -> list[str]:
    """360p H.264 + mono AAC in SEGMENT_SECONDS segments, appended to rK.m3u8."""
    if audio_only:
        video = ["-map", "1:v:0", "-map", "0:a:0", "-shortest"]
    else:
        video = ["-vf", "scale='if(gt(iw,ih),-2,360)':'if(gt(iw,ih),360,-2)'"]
    return [
        *video,
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
        # Capped for viewers on village links (a noisy picture would otherwise take 1.5 Mbit/s).
        "-crf", "26", "-maxrate", "700k", "-bufsize", "1400k",
        "-pix_fmt", "yuv420p", "-r", "25", "-g", str(25 * SEGMENT_SECONDS),
        "-keyint_min", str(25 * SEGMENT_SECONDS), "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k", "-ar", "44100", "-ac", "1",
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", "0",
        "-hls_flags", "independent_segments+temp_file",
        "-hls_segment_filename", str(folder / f"r{run}_%05d.ts"),
        str(folder / f"r{run}.m3u8"),
    ]  # fmt: skip


def _still_input(audio_only: bool) -> list[str]:
    return ["-f", "lavfi", "-i", STILL] if audio_only else []


def chunk_command(storage_key: str, run: int, *, audio_only: bool = False) -> list[str]:
    """ffmpeg arguments turning the run's growing WebM into HLS; ffmpeg stops when no chunk
    has come for RUN_IDLE_SECONDS (its read times out: the end of the run)."""
    folder = live_dir(storage_key)
    source = run_source(storage_key, run)
    source.touch(exist_ok=True)
    return [
        "-loglevel", "error",
        "-follow", "1", "-rw_timeout", str(RUN_IDLE_SECONDS * 1_000_000),
        "-fflags", "+genpts", "-i", f"file:{source}",
        *_still_input(audio_only),
        *_hls_args(folder, run, audio_only=audio_only),
    ]  # fmt: skip


def rtmp_url(port: int, key: str, host: str = "0.0.0.0") -> str:  # noqa: S104 (a listener)
    return f"rtmp://{host}:{port}/live/{key}"


def rtmp_command(storage_key: str, run: int, *, port: int, key: str) -> list[str]:
    """ffmpeg as a one-publisher RTMP server on `port` accepting only stream `key` (OBS:
    server rtmp://host:port/live, key), into the run's HLS; it stops when OBS stops or the
    link is silent for RUN_IDLE_SECONDS."""
    folder = live_dir(storage_key)
    return [
        "-loglevel", "warning",  # the guard reads the wrong-key warning
        "-listen", "1", "-timeout", str(RTMP_LISTEN_SECONDS),
        "-rw_timeout", str(RUN_IDLE_SECONDS * 1_000_000),
        "-i", rtmp_url(port, key),
        *_hls_args(folder, run, audio_only=False),
    ]  # fmt: skip


def transcode_run(storage_key: str, run: int, *, audio_only: bool = False) -> tuple[int, str]:
    """Transcode one run and wait for its end; returns ffmpeg's code and last error line."""
    process = ffmpeg_popen(chunk_command(storage_key, run, audio_only=audio_only), stderr=-1)
    _, err = process.communicate()
    return process.returncode, last_line(err or b"")


def spawn(args: list[str], storage_key: str, run: int, *, guard: bool = False) -> int:
    """Start a run's ffmpeg detached from the caller (its own session, its log beside the
    segments) and return its pid. A live's transcoder lives as long as the run, minutes to
    hours: it must not hold a task worker (one transcode queue would take one live at a
    time) nor die with the request or job that started it; it ends by itself when its
    input goes quiet. `guard` runs it under rtmp_guard.py (an RTMP listener)."""
    folder = live_dir(storage_key)
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    if guard:
        # -I: isolated, so this folder (its selectors.py) does not shadow the stdlib.
        command = [sys.executable, "-I", str(Path(__file__).with_name("rtmp_guard.py")), *command]
    with (folder / f"r{run}.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed binary, arguments built by us)
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    _children.append(process)
    _reap()
    return process.pid


_children: list[subprocess.Popen[bytes]] = []


def _reap() -> None:
    """Collect transcoders that have ended (no zombies in a long-lived worker)."""
    _children[:] = [p for p in _children if p.poll() is None]


def run_ended(storage_key: str, run: int) -> bool:
    """The run's transcoder has finished (its playlist is closed): chunks for it would be
    lost, the speaker's page must open a new run."""
    playlist = live_dir(storage_key) / f"r{run}.m3u8"
    if not playlist.exists():
        return False
    with playlist.open("rb") as handle:
        handle.seek(max(0, playlist.stat().st_size - 64))
        return b"#EXT-X-ENDLIST" in handle.read()


def _run_entries(folder: Path, run: int) -> tuple[list[tuple[float, str]], bool]:
    playlist = folder / f"r{run}.m3u8"
    if not playlist.exists():
        return [], False
    entries: list[tuple[float, str]] = []
    duration = 0.0
    ended = False
    for line in playlist.read_text(encoding="utf-8").splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",")[0])
        elif line.startswith("#EXT-X-ENDLIST"):
            ended = True
        elif _SEGMENT.match(line):
            entries.append((duration, line))
    return entries, ended


def compose_playlist(storage_key: str, runs: int, *, ended: bool, first_run: int = 1) -> str:
    """The viewers' playlist: the segments of runs `first_run`..`runs` in order, a
    discontinuity before each later run (new timestamps, maybe a new resolution), ENDLIST
    once the live is over. `first_run` 0 (nothing public yet) gives an empty playlist."""
    folder = live_dir(storage_key)
    lines: list[str] = []
    target = SEGMENT_SECONDS
    first = True
    for run in range(first_run if first_run >= 1 else runs + 1, runs + 1):
        entries, _ = _run_entries(folder, run)
        if not entries:
            continue
        if not first:
            lines.append("#EXT-X-DISCONTINUITY")
        first = False
        for duration, name in entries:
            target = max(target, int(duration + 0.999))
            lines.append(f"#EXTINF:{duration:.3f},")
            lines.append(name)
    head = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
    ]
    if ended:
        head.append("#EXT-X-PLAYLIST-TYPE:VOD")
    return "\n".join([*head, *lines, *(["#EXT-X-ENDLIST"] if ended else [])]) + "\n"


def write_playlist(storage_key: str, runs: int, *, ended: bool, first_run: int = 1) -> Path:
    """Write the composed playlist beside the segments (atomically), as `index.m3u8`."""
    folder = live_dir(storage_key)
    target = folder / "index.m3u8"
    temp = folder / "index.m3u8.tmp"
    text = compose_playlist(storage_key, runs, ended=ended, first_run=first_run)
    temp.write_text(text, encoding="utf-8")
    temp.replace(target)
    return target


def playlist_seconds(playlist: Path) -> float:
    """The duration a playlist lists (the sum of its segments)."""
    return round(
        sum(
            float(line[8:].split(",")[0])
            for line in playlist.read_text(encoding="utf-8").splitlines()
            if line.startswith("#EXTINF:")
        ),
        3,
    )


def has_segments(storage_key: str, run: int) -> bool:
    """The run has a first segment (a viewer's player can start)."""
    return (live_dir(storage_key) / f"r{run}.m3u8").exists()
