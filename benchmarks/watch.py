"""Watch-section reports per second against the running server, 64 simulated viewers.

    .venv/bin/python benchmarks/watch.py [--viewers 64] [--seconds 20] [--postgres]

A fresh database (SQLite in a temp dir, or PostgreSQL database xf_bench_watch) gets one
branch, N members with sessions and one published 2-hour lesson. `manage.py serve` starts
the real server (granian, 2 workers). Each viewer is a thread with a keep-alive connection
that reports consecutive 0.1 s sections as fast as the server answers, the way a player
reports what it played (0.1 s keeps each viewer under the 2× real-time cap, so nothing is
trimmed). Afterwards every viewer's stored coverage must equal what it sent.

Baseline in the same run: GET /healthz (one SELECT 1) through the same server and client,
so the figure reads as a share of what this machine can serve at all.

Goal (issue 17): ≥ 1,000 reports/s, or ≥ 20,000 people watching at once on the box at the
players' report interval (`--interval`, settings.WATCH_REPORT_SECONDS, default 60 s:
reports/s × interval). Exits 1 when both are missed, when a section is unaccounted for or
a report failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
SECTION = 0.1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SETUP = r"""
import json, sys
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from xianfeng.orgs.services import org_create
from xianfeng.people.models import User, Member
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson
from xianfeng.media.models import Video
n = int(sys.argv[1])
county = org_create(actor=None, parent=None, code="B", name="基准县委", kind="committee", region="county")
branch = org_create(actor=None, parent=county, code="B1", name="基准支部", kind="branch", region="village")
admin = User.objects.create_superuser("bench_admin", "bench-pass-123", name="管理员")
lesson = services.lesson_create(actor=admin, org=branch, data=services.LessonData(title="基准课", speaker_name="主讲"))
video = Video.objects.create(owner=admin, original_name="x.mp4", status="ready", duration=7200,
    hls_master="videos/bench/1/master.m3u8", mp4="videos/bench/1/video.mp4", poster="videos/bench/1/poster.jpg", playable_at=timezone.now(),
    target_kind="lesson", target_id=str(lesson.pk))
Lesson.objects.filter(pk=lesson.pk).update(video=video)
lesson.refresh_from_db()
services.lesson_submit(actor=admin, lesson=lesson)
services.lesson_publish(actor=admin, lesson=lesson)
sessions = []
for i in range(n):
    u = User.objects.create(username=f"viewer{i}", name=f"观众{i}")
    Member.objects.create(user=u, org=branch)
    s = SessionStore()
    s["_auth_user_id"] = str(u.pk)
    s["_auth_user_backend"] = "xianfeng.people.auth.PhoneOrUsernameBackend"
    s["_auth_user_hash"] = u.get_session_auth_hash()
    s.create()
    sessions.append(s.session_key)
print(json.dumps({"lesson": lesson.pk, "sessions": sessions}))
"""

CHECK = r"""
import json, sys
from xianfeng.lessons.models import WatchProgress
rows = {p.user.username: [p.covered, p.reports] for p in WatchProgress.objects.select_related("user")}
print(json.dumps(rows))
"""


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PY, str(REPO / "manage.py"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict[str, str], code: str, *argv: str) -> str:
    script = Path(env["XF_VAR_DIR"]) / "bench_script.py"
    script.write_text(code, encoding="utf-8")
    runner = (
        "import sys, runpy; sys.argv = [sys.argv[0], *sys.argv[1:]]; "
        f"runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    out = subprocess.run(
        [
            PY,
            "-c",
            f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','xianfeng.settings'); django.setup(); {runner}",
            *argv,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(f"script failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("the server did not start")


def load(port: int, seconds: float, viewers: list[dict[str, str]], make_request) -> dict:
    """Run one thread per viewer for `seconds`; returns counts and latencies."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in viewers]
    sent = [0] * len(viewers)
    errors = [0] * len(viewers)
    barrier = threading.Barrier(len(viewers))

    def run(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        while time.monotonic() < stop:
            method, path, body, headers = make_request(index, sent[index])
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies[index].append(time.perf_counter() - started)
            if ok:
                sent[index] += 1
            else:
                errors[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(viewers))]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    flat = sorted(x for lat in latencies for x in lat)
    return {
        "ok": sum(sent),
        "errors": sum(errors),
        "per_viewer": sent,
        "rate": sum(sent) / elapsed,
        "p50_ms": 1000 * statistics.median(flat) if flat else 0,
        "p99_ms": 1000 * flat[int(len(flat) * 0.99) - 1] if flat else 0,
    }


WRK_SCRIPT = r"""
-- One thread's viewers take turns; each viewer's k-th report covers [k/10, k/10 + 0.1].
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  lesson = args[1]
  token = args[2]
  nthreads = tonumber(args[3])
  sessions = {}
  local i = 0
  for key in io.lines(args[4]) do
    if i % nthreads == id then table.insert(sessions, key) end
    i = i + 1
  end
  sent = {}
  for j = 1, #sessions do sent[j] = 0 end
  turn = 0
  bad = 0
end
function request()
  turn = turn % #sessions + 1
  local k = sent[turn]
  sent[turn] = k + 1
  local start = k / 10
  local body = string.format('{"sections": [[%.1f, %.1f]], "position": %.1f}', start, start + 0.1, start + 0.1)
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-CSRFToken"] = token
  headers["Cookie"] = "sessionid=" .. sessions[turn] .. "; csrftoken=" .. token
  return wrk.format("POST", "/lessons/" .. lesson .. "/watch/", headers, body)
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  io.write(string.format("WRK %d %d %d %.2f %.2f %d\n", summary.requests, summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad_total))
end
"""


def wrk_load(
    port: int, seconds: float, lesson: int, token: str, sessions: list[str], var: str
) -> dict:
    script = Path(var) / "watch.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    keys = Path(var) / "sessions.txt"
    keys.write_text("\n".join(sessions) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{len(sessions)}",
            f"-d{int(seconds)}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(lesson),
            token,
            "2",
            str(keys),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRK "))
    requests, socket_errors, _status_errors, p50, p99, bad = line.split()[1:]
    rate = next(
        float(x.split()[-1]) for x in out.stdout.splitlines() if x.startswith("Requests/sec")
    )
    return {
        "ok": int(requests) - int(bad),
        "errors": int(socket_errors) + int(bad),
        "rate": rate,
        "p50_ms": float(p50),
        "p99_ms": float(p99),
    }


def wrk_base(port: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", "-c64", "-d8s", "--latency", f"http://127.0.0.1:{port}/healthz"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = next(float(x.split()[-1]) for x in out.splitlines() if x.startswith("Requests/sec"))

    def pct(name: str) -> float:
        value = next(x.split()[1] for x in out.splitlines() if x.strip().startswith(name))
        return (
            float(value[:-2])
            if value.endswith("ms")
            else float(value[:-1]) * 1000
            if value.endswith("s")
            else float(value[:-2]) / 1000
        )

    return {"rate": rate, "p50_ms": pct("50%"), "p99_ms": pct("99%"), "errors": 0}


RATE_GOAL = 1000
VIEWERS_GOAL = 20_000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--interval",
        type=int,
        default=60,
        help="the players' report interval in seconds (settings.WATCH_REPORT_SECONDS)",
    )
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="xf-bench-watch-")
    env = {
        **os.environ,
        "XF_VAR_DIR": var,
        "PYTHONPATH": str(REPO / "src"),
        "XF_LOG_LEVEL": "WARNING",
    }
    env.pop("XF_TESTING", None)
    if args.postgres:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS xf_bench_watch")
            c.execute("CREATE DATABASE xf_bench_watch")
        env["XF_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/xf_bench_watch"
    manage(env, "migrate", "--no-input", "-v0")
    setup = json.loads(shell(env, SETUP, str(args.viewers)))
    lesson, sessions = setup["lesson"], setup["sessions"]
    token = secrets.token_hex(16)
    viewers = [
        {
            "Cookie": f"sessionid={key}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": "application/json",
        }
        for key in sessions
    ]
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
            str(args.workers),
        ],
        env={**env, "XF_TASKS": "immediate"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(port, timeout=120)  # a loaded machine starts granian slowly
        base = load(
            port, min(args.seconds, 10), viewers, lambda i, n: ("GET", "/healthz", None, {})
        )
        path = f"/lessons/{lesson}/watch/"

        def report(i: int, n: int):
            start = round(n * SECTION, 1)
            body = json.dumps(
                {"sections": [[start, round(start + SECTION, 1)]], "position": start + SECTION}
            )
            return "POST", path, body, viewers[i]

        if shutil.which("wrk"):
            result = wrk_load(port, args.seconds, lesson, token, sessions, var)
            base = wrk_base(port)
            time.sleep(2)  # requests wrk left in flight finish on the server
        else:
            print(
                "wrk not found (apt-get install wrk): loading from Python threads, which share the 2 cores"
            )
            result = load(port, args.seconds, viewers, report)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = json.loads(shell(env, CHECK))
    # Every stored report added exactly its own 0.1 s (no lost update, nothing trimmed), and
    # the server stored at least every report the load generator saw answered.
    accounted = sum(
        1 for covered, reports in stored.values() if abs(covered - reports * SECTION) < 1e-6
    )
    stored_reports = sum(reports for _covered, reports in stored.values())
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"\nwatch reports, {args.viewers} viewers, {args.seconds:.0f} s, {db}, {args.workers} web workers"
    )
    print(f"{'':24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    print(
        f"{'baseline GET /healthz':24}{base['rate']:>10.0f}{base['p50_ms']:>10.1f}{base['p99_ms']:>10.1f}{base['errors']:>8}"
    )
    print(
        f"{'POST watch report':24}{result['rate']:>10.0f}{result['p50_ms']:>10.1f}{result['p99_ms']:>10.1f}{result['errors']:>8}"
    )
    print(f"ratio to baseline: {result['rate'] / base['rate']:.2f}×   goal ≥ 1000 reports/s")
    verdict = "all" if accounted == args.viewers and stored_reports >= result["ok"] else "NOT all"
    print(
        f"sections accounted for: {accounted}/{args.viewers} viewers; {stored_reports} reports stored, "
        f"{result['ok']} answered ({verdict})"
    )
    # A playing player reports every `interval` seconds (settings.WATCH_REPORT_SECONDS, as
    # the lesson page tells player.js), so the box carries rate × interval viewers at once.
    interval = args.interval
    viewers_per_box = result["rate"] * interval
    print(
        f"viewers per box at one report every {interval} s: {viewers_per_box:,.0f}"
        f"   goal ≥ {VIEWERS_GOAL:,} (or ≥ {RATE_GOAL:,} reports/s)"
    )
    missed = []
    if result["rate"] < RATE_GOAL and viewers_per_box < VIEWERS_GOAL:
        missed.append(f"{result['rate']:.0f} reports/s and {viewers_per_box:,.0f} viewers per box")
    if verdict != "all":
        missed.append("not every section was accounted for")
    if result["errors"]:
        missed.append(f"{result['errors']} failed reports")
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
