"""The live's files: chunks of each run appended to `run-K.webm`, one ffmpeg per run reading
that file as it grows (`-follow 1`) into 2-second HLS segments `rK_NNNNN.ts` and a playlist
`rK.m3u8`, and the viewers' playlist composed from the runs with a discontinuity between
them. Local media storage (the embedded default); see README for S3."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from xianfeng.live.enums import RUN_IDLE_SECONDS, SEGMENT_SECONDS
from xianfeng.media.ffmpeg import ffmpeg_popen, last_line

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


def transcode_run(storage_key: str, run: int) -> tuple[int, str]:
    """Turn one run into HLS while it is being written; returns when no chunk has come for
    RUN_IDLE_SECONDS (ffmpeg's read times out: the end of the run). 360p, H.264 + AAC."""
    folder = live_dir(storage_key)
    source = run_source(storage_key, run)
    source.touch(exist_ok=True)
    process = ffmpeg_popen(
        [
            "-loglevel", "error",
            "-follow", "1", "-rw_timeout", str(RUN_IDLE_SECONDS * 1_000_000),
            "-fflags", "+genpts", "-i", f"file:{source}",
            "-vf", "scale='if(gt(iw,ih),-2,360)':'if(gt(iw,ih),360,-2)'",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-r", "25", "-g", str(25 * SEGMENT_SECONDS),
            "-keyint_min", str(25 * SEGMENT_SECONDS), "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "64k", "-ar", "44100", "-ac", "1",
            "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_list_size", "0",
            "-hls_flags", "independent_segments+temp_file",
            "-hls_segment_filename", str(folder / f"r{run}_%05d.ts"),
            str(folder / f"r{run}.m3u8"),
        ],
        stderr=-1,
    )  # fmt: skip
    _, err = process.communicate()
    return process.returncode, last_line(err or b"")


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


def compose_playlist(storage_key: str, runs: int, *, ended: bool) -> str:
    """The viewers' playlist: every run's segments in order, a discontinuity before each
    later run (new timestamps, maybe a new resolution), ENDLIST once the live is over."""
    folder = live_dir(storage_key)
    lines: list[str] = []
    target = SEGMENT_SECONDS
    first = True
    for run in range(1, runs + 1):
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


def write_playlist(storage_key: str, runs: int, *, ended: bool) -> Path:
    """Write the composed playlist beside the segments (atomically), as `index.m3u8`."""
    folder = live_dir(storage_key)
    target = folder / "index.m3u8"
    temp = folder / "index.m3u8.tmp"
    temp.write_text(compose_playlist(storage_key, runs, ended=ended), encoding="utf-8")
    temp.replace(target)
    return target
