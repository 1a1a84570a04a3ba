"""党课微直播 on one box: one live transcoded while N viewers poll its playlist and fetch its
segments through the real server.

    .venv/bin/python benchmarks/live.py [--viewers 40] [--seconds 30]

A fresh SQLite var dir gets a branch, a speaker, a live and `--viewers` members with
sessions; `manage.py serve` (granian, 2 workers, tasks immediate so the run's transcoder is
spawned by the request that opens the run) serves everything.

1. Baseline (same run): the viewers' threads fetch one static file of a segment's size
   (the server's own static handler) for 10 s: requests/s and MB/s.
2. The live: ffmpeg makes a 640×360 VP8/Opus WebM in real time (what MediaRecorder sends);
   the speaker's side POSTs it in 1-second chunks; meanwhile each viewer thread polls the
   playlist every 2 s (as hls.js does) and downloads each new segment once.
   Printed:
   - capture → playlist: how long after its first frame was captured each segment is
     listed (median, max); glass-to-glass = that + the 2 segments hls.js stays behind the
     edge (liveSyncDurationCount 2). Goal (issue 16): ≤ 10 s.
   - transcode CPU: the run's ffmpeg CPU seconds over wall seconds (share of one core and
     of the box).
   - viewers: stalled ones (a segment fetched later than one segment's duration after it
     was listed, or any error). Goal: none stalled. Served MB/s against the static baseline
     (the ratio), and the viewers at 360p this box would serve at that rate.

Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch import PY, REPO, free_port, manage, shell, wait_for

LATENCY_GOAL = 10.0
SEGMENT = 2.0
HLS_BEHIND = 2  # segments hls.js keeps behind the live edge (watch.js)
CHUNK_SECONDS = 1.0

SETUP = r"""
import datetime, json, sys
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from xianfeng.orgs.services import org_create
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import User, Member
from xianfeng.live import services
n = int(sys.argv[1])
county = org_create(actor=None, parent=None, code="B", name="基准县委", kind="committee", region="county")
branch = org_create(actor=None, parent=county, code="B1", name="基准支部", kind="branch", region="village")
admin = User.objects.create_superuser("bench_admin", "bench-pass-123", name="管理员")
def session(u):
    s = SessionStore()
    s["_auth_user_id"] = str(u.pk)
    s["_auth_user_backend"] = "xianfeng.people.auth.PhoneOrUsernameBackend"
    s["_auth_user_hash"] = u.get_session_auth_hash()
    s.create()
    return s.session_key
speaker = User.objects.create(username="speaker", name="主讲人")
Member.objects.create(user=speaker, org=branch)
live = services.live_schedule(actor=admin, org=branch, audience=branch, title="基准直播",
    speaker=speaker, scheduled_at=timezone.now() + datetime.timedelta(minutes=1))
viewers = []
for i in range(n):
    u = User.objects.create(username=f"viewer{i}", name=f"观众{i}")
    Member.objects.create(user=u, org=branch)
    viewers.append(session(u))
print(json.dumps({"live": live.pk, "key": live.storage_key, "speaker": session(speaker), "viewers": viewers}))
"""


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def cookies(session: str, token: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session}; csrftoken={token}", "X-CSRFToken": token}


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def find_transcoder(key: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if key.encode() in cmd and b"-follow" in cmd:
                return int(entry.name)
    return None


def baseline(port: int, threads: int, seconds: float, path: str) -> tuple[float, float]:
    done = [0] * threads
    size = [0] * threads
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", path)
            body = conn.getresponse().read()
            done[i] += 1
            size[i] += len(body)
        conn.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / seconds, sum(size) / seconds / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="xf-bench-live-")
    env = {
        **os.environ,
        "XF_VAR_DIR": var,
        "PYTHONPATH": str(REPO / "src"),
        "XF_LOG_LEVEL": "WARNING",
    }
    env.pop("XF_TESTING", None)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    setup = json.loads(shell(env, SETUP, str(args.viewers)))
    live, key = setup["live"], setup["key"]
    token = "b" * 32
    port = free_port()
    server = subprocess.Popen(
        [
            PY,
            str(REPO / "manage.py"),
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env={**env, "XF_TASKS": "immediate"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    failures: list[str] = []
    try:
        wait_for(port, timeout=180)  # a loaded 2-core box starts granian slowly
        # A static file of about one 360p segment (hls.js, ~160 KB).
        static = "/static/vendor/hls.min.js"
        base_rps, base_mbs = baseline(port, args.viewers, 10, static)

        speaker = cookies(setup["speaker"], token)
        status, body = request(
            port,
            "POST",
            f"/live/{live}/runs/",
            b"public=1",
            {**speaker, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            sys.exit(f"opening the run failed: {status} {body[:200]!r}")
        run = json.loads(body)["run"]
        source = subprocess.Popen(
            [ffmpeg(), "-v", "error", "-re",
             "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={args.seconds}",
             "-f", "lavfi", "-i", f"sine=frequency=440:duration={args.seconds}",
             "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "600k", "-g", "50",
             "-c:a", "libopus", "-b:a", "48k", "-f", "webm", "-live", "1", "pipe:1"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        captured_at = time.time()  # stream time 0
        listed: dict[str, float] = {}
        stalls = [0] * args.viewers
        served = [0] * args.viewers
        fetch_times: list[float] = []
        sending_done = threading.Event()

        def send() -> None:
            assert source.stdout is not None
            seq, buffer, last = 0, b"", time.monotonic()
            while True:
                data = source.stdout.read1(65536)
                if data:
                    buffer += data
                if buffer and (not data or time.monotonic() - last >= CHUNK_SECONDS):
                    status, _ = request(
                        port,
                        "POST",
                        f"/live/{live}/runs/{run}/chunks/{seq}/",
                        buffer,
                        {**speaker, "Content-Type": "video/webm"},
                    )
                    if status != 200:
                        failures.append(f"chunk {seq} answered {status}")
                    seq, buffer, last = seq + 1, b"", time.monotonic()
                if not data:
                    break
            sending_done.set()

        def view(i: int) -> None:
            headers = cookies(setup["viewers"][i], token)
            seen: set[str] = set()
            while not sending_done.is_set():
                polled = time.monotonic()
                status, body = request(port, "GET", f"/live/{live}/playlist.m3u8", None, headers)
                if status != 200:
                    stalls[i] += 1
                    continue
                for line in body.decode().splitlines():
                    if line.startswith("/media/") and line not in seen:
                        name = line.rsplit("/", 1)[1]
                        now = time.time()
                        listed.setdefault(name, now)
                        seen.add(line)
                        started = time.monotonic()
                        status, data = request(port, "GET", line)
                        took = time.monotonic() - started
                        fetch_times.append(took)
                        if status != 200 or time.time() - listed[name] > SEGMENT:
                            stalls[i] += 1
                        served[i] += len(data)
                time.sleep(max(0.0, SEGMENT - (time.monotonic() - polled)))

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(1.5)
        pid = None
        for _ in range(20):
            pid = find_transcoder(key)
            if pid:
                break
            time.sleep(0.25)
        cpu_start, wall_start = (cpu_seconds(pid) if pid else 0.0), time.monotonic()
        viewers = [threading.Thread(target=view, args=(i,)) for i in range(args.viewers)]
        for v in viewers:
            v.start()
        cpu_end, wall_end = cpu_start, wall_start
        while sender.is_alive():
            if pid and Path(f"/proc/{pid}").exists():
                cpu_end, wall_end = cpu_seconds(pid), time.monotonic()
            time.sleep(0.5)
        for v in viewers:
            v.join()
        source.wait()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    delays = sorted(
        listed[name] - (captured_at + int(re.search(r"_(\d+)\.ts$", name).group(1)) * SEGMENT)
        for name in listed
    )
    if not delays:
        sys.exit("no segment was ever listed: the transcoder did not run")
    median, worst = statistics.median(delays), delays[-1]
    glass = median + HLS_BEHIND * SEGMENT
    wall = max(wall_end - wall_start, 1e-6)
    share = (cpu_end - cpu_start) / wall
    served_mbs = sum(served) / max(1.0, args.seconds) / 1e6
    per_viewer = (sum(served) / max(1, len(listed))) / max(1, args.viewers) / SEGMENT / 1e6
    stalled = sum(1 for s in stalls if s)
    capacity = int(base_mbs / per_viewer) if per_viewer else 0
    print(
        f"segments listed: {len(listed)}; capture → playlist median {median:.1f} s, max {worst:.1f} s"
    )
    print(
        f"glass-to-glass (median + {HLS_BEHIND} segments hls.js holds back): {glass:.1f} s (goal ≤ {LATENCY_GOAL:.0f} s)"
    )
    print(
        f"transcode CPU: {share:.2f} of one core, {share / (os.cpu_count() or 1):.0%} of the box"
        f" → about {int((os.cpu_count() or 1) / max(share, 1e-6))} lives at once with the CPU alone"
    )
    print(
        f"viewers: {args.viewers}, stalled: {stalled}; segment fetch median "
        f"{statistics.median(fetch_times) * 1000:.0f} ms, max {max(fetch_times) * 1000:.0f} ms"
        if fetch_times
        else "no segment fetched"
    )
    print(
        f"static baseline: {base_rps:.0f} req/s, {base_mbs:.1f} MB/s; live served {served_mbs:.2f} MB/s "
        f"(ratio to static {served_mbs / base_mbs:.3f}); one 360p viewer ≈ {per_viewer * 8 * 1000:.0f} kbit/s"
        f" → the static rate would carry ≈ {capacity} viewers"
    )
    if failures:
        print("failures:", *failures[:5], sep="\n  ")
    missed = glass > LATENCY_GOAL or stalled > 0 or bool(failures)
    print("goal missed" if missed else "goals met")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
