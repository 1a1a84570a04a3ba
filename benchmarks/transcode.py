"""What the video pipeline costs on top of ffmpeg, and how soon an upload plays.

    .venv/bin/python benchmarks/transcode.py [--repeat 2] [--long-minutes 10] [--clips DIR]

Everything runs in a scratch directory: a fresh SQLite database (migrated first, untimed)
and local storage. The clips are made with the bundled ffmpeg (and kept in --clips, so a
second run starts at once):

- 60 s of 1080p30 H.264 with AAC, testsrc2 with sensor noise so the encoder has work to
  do (~15 Mbit/s, like a phone). 10 s are encoded and looped with `-c copy`.
- a 10 min 1080p clip, cheaply: 30 s of plain testsrc2 at a low bit rate, looped.

Figures:

1. overhead: (a) the exact ffmpeg ladder command the pipeline runs for the 60 s clip
   (transcode.ladder_command), run by hand, against (b) video_process on a Video of that
   clip, which probes, runs the same command, publishes segments as they appear, makes the
   poster, writes progress and cleans up. Wall seconds and the ratio b / a (goal ≤ 1.05).
   The two alternate, --repeat times; the best of each is compared. CPU seconds are shown
   too, and the pipeline's own share of them (everything but ffmpeg): on a shared machine
   other load skews wall time most, total CPU time less, our own CPU time hardly.
2. time to first playable: from "upload finished" (Video.created_at, set by video_create)
   to Video.playable_at (the first 360p segment and the master published), for the 60 s
   clip and the 10 min clip (goal ≤ 10 s whatever the length). The 10 min run is stopped
   once it plays. video_process is called directly: a database worker adds its polling
   interval (xf_worker --interval, 1 s) on top.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Playable(Exception):
    """Raised from the observer to stop a run once it plays (the long clip)."""


def ffmpeg(exe: str, *args: str) -> None:
    subprocess.run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def make_clips(exe: str, clips: Path, long_minutes: int) -> tuple[Path, Path]:
    clips.mkdir(parents=True, exist_ok=True)
    sixty = clips / "bench-1080p-60s.mp4"
    if not sixty.exists():
        part = clips / "bench-1080p-10s.mp4"
        ffmpeg(
            exe,
            *(
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1920x1080:rate=30:duration=10,noise=alls=8:allf=t",
            ),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=10"),
            *("-c:v", "libx264", "-preset", "superfast", "-crf", "26", "-pix_fmt", "yuv420p"),
            *("-g", "60", "-c:a", "aac", "-b:a", "128k", str(part)),
        )
        ffmpeg(exe, "-stream_loop", "5", "-i", str(part), "-c", "copy", str(sixty))
        part.unlink()
    long = clips / f"bench-1080p-{long_minutes}min.mp4"
    if not long.exists():
        part = clips / "bench-1080p-30s-plain.mp4"
        ffmpeg(
            exe,
            *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=30"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=30"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", "-pix_fmt", "yuv420p"),
            *("-g", "60", "-c:a", "aac", "-b:a", "96k", str(part)),
        )
        loops = long_minutes * 2 - 1
        ffmpeg(exe, "-stream_loop", str(loops), "-i", str(part), "-c", "copy", str(long))
        part.unlink()
    return sixty, long


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of (a) and (b) each")
    parser.add_argument("--long-minutes", type=int, default=10)
    parser.add_argument(
        "--clips", type=Path, default=Path(tempfile.gettempdir()) / "xianfeng-bench-clips"
    )
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="xf-bench-transcode-"))
    try:
        run(options, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(options: argparse.Namespace, scratch: Path) -> None:
    for name in ("XF_DATABASE_URL", "XF_MEDIA_ROOT", "XF_PRIVATE_ROOT", "XF_STORAGE"):
        os.environ.pop(name, None)
    os.environ.update(XF_VAR_DIR=str(scratch / "var"), XF_TASKS="db", XF_LOG_LEVEL="WARNING")
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from xianfeng.media.ffmpeg import ffmpeg_exe
    from xianfeng.media.models import Video
    from xianfeng.media.pipeline import video_process
    from xianfeng.media.probe import probe_file
    from xianfeng.media.services import video_create
    from xianfeng.media.transcode import ladder_command, plan_ladder, prepare_output_dirs
    from xianfeng.people.models import User

    exe = ffmpeg_exe()
    print(f"ffmpeg: {exe}")
    print(f"scratch: {scratch}   cpus: {os.cpu_count()}   load: {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    sixty, long = make_clips(exe, options.clips, options.long_minutes)
    print(f"clips ready in {time.perf_counter() - started:.1f} s ({options.clips})")
    call_command("migrate", "--no-input", verbosity=0)
    owner = User.objects.create_user(username="bench", name="基准测试")

    probe = probe_file(sixty)
    renditions = plan_ladder(probe)
    args = ladder_command(sixty, probe, renditions)
    print(
        f"\nclip: {probe.width}x{probe.height} {probe.fps:g} fps {probe.duration:.1f} s "
        f"{probe.size / 1e6:.0f} MB; ladder: {', '.join(r.name for r in renditions)}"
    )
    print(
        "command (a), run in an output directory:\n  ffmpeg -hide_banner -nostdin "
        + shlex.join(args)
    )

    by_hand: list[float] = []
    pipeline: list[float] = []
    cpu_hand: list[float] = []
    cpu_pipeline: list[float] = []
    cpu_ours: list[float] = []
    playable_60: list[float] = []
    for number in range(options.repeat):
        out = scratch / f"by-hand-{number}"
        prepare_output_dirs(out, renditions)
        cpu = _cpu()
        began = time.perf_counter()
        subprocess.run(
            [exe, "-hide_banner", "-nostdin", *args], cwd=out, stdout=subprocess.DEVNULL, check=True
        )
        by_hand.append(time.perf_counter() - began)
        cpu_hand.append(_cpu() - cpu)

        video = video_create(owner=owner, source_path=sixty, original_name="微党课-60s.mp4")
        cpu, own = _cpu(), _cpu(children=False)
        began = time.perf_counter()
        status = video_process(video_id=video.pk)
        pipeline.append(time.perf_counter() - began)
        cpu_pipeline.append(_cpu() - cpu)
        cpu_ours.append(_cpu(children=False) - own)
        video.refresh_from_db()
        assert status == "ready", video.failure_reason
        assert video.playable_at is not None
        playable_60.append((video.playable_at - video.created_at).total_seconds())
        print(
            f"run {number + 1}: (a) by hand {by_hand[-1]:6.2f} s wall {cpu_hand[-1]:6.2f} s CPU"
            f"   (b) pipeline {pipeline[-1]:6.2f} s wall {cpu_pipeline[-1]:6.2f} s CPU"
            f"   b/a wall {pipeline[-1] / by_hand[-1]:.3f} CPU {cpu_pipeline[-1] / cpu_hand[-1]:.3f}"
            f" (ours {cpu_ours[-1]:.2f})   playable after {playable_60[-1]:.2f} s"
            f"   load {os.getloadavg()[0]:.2f}"
        )

    # The long clip: stopped once it plays (the observer raises; the run ends FAILED and
    # cleans up after itself, which is what a crash-free abort looks like).
    long_video = video_create(owner=owner, source_path=long, original_name="微党课-长.mp4")
    seen: dict[str, float] = {}

    def stop_when_playable(event: str, current: Video, ffmpeg_running: bool) -> None:
        if event == "playable" and current.playable_at is not None:
            seen["playable"] = (current.playable_at - current.created_at).total_seconds()
            seen["running"] = float(ffmpeg_running)
            raise Playable

    logging.getLogger("xianfeng.media.pipeline").setLevel(logging.CRITICAL)
    video_process(video_id=long_video.pk, observer=stop_when_playable)
    long_probe = probe_file(long)

    print("\n== results ==")
    print(f"(a) ffmpeg ladder by hand:   best {min(by_hand):6.2f} s wall   runs {_list(by_hand)}")
    print(f"(b) whole pipeline:          best {min(pipeline):6.2f} s wall   runs {_list(pipeline)}")
    print(
        f"overhead b/a, wall (best of each): {min(pipeline) / min(by_hand):.3f}×   "
        f"(per run: {_list([b / a for a, b in zip(by_hand, pipeline, strict=True)], 3)})   "
        "goal ≤ 1.05×"
    )
    print(
        f"overhead b/a, CPU seconds (ffmpeg + our process): "
        f"{min(cpu_pipeline) / min(cpu_hand):.3f}×   (a {_list(cpu_hand)} s, "
        f"b {_list(cpu_pipeline)} s)"
    )
    print(
        f"CPU of the pipeline's own process (probe, publisher, poster, database): "
        f"{_list(cpu_ours)} s = {max(cpu_ours) / min(cpu_hand) * 100:.1f} % of ffmpeg's at most"
    )
    print(
        f"speed: {probe.duration / min(by_hand):.2f}× real time "
        f"({min(by_hand) / probe.duration:.2f} s per second of video)"
    )
    print(f"upload → first playable, {probe.duration:.0f} s clip: {_list(playable_60)} s")
    print(
        f"upload → first playable, {long_probe.duration / 60:.0f} min clip: "
        f"{seen.get('playable', float('nan')):.2f} s "
        f"(ffmpeg still running: {bool(seen.get('running'))})   goal ≤ 10 s"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def _cpu(*, children: bool = True) -> float:
    """CPU seconds used so far by this process (all threads) and its finished children."""
    usages = [resource.getrusage(resource.RUSAGE_SELF)]
    if children:
        usages.append(resource.getrusage(resource.RUSAGE_CHILDREN))
    return sum(u.ru_utime + u.ru_stime for u in usages)


def _list(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


if __name__ == "__main__":
    main()
