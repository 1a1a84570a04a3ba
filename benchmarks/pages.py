"""Pages a logged-in member opens most, per second, against the running server.

    .venv/bin/python benchmarks/pages.py [--clients 16] [--seconds 10] [--postgres]

A fresh database (SQLite in a temp dir, or PostgreSQL database xf_bench_pages) gets the
demo county (`seed_demo --members 5000 --no-content`) and a published lesson the member
persona has liked, rated, watched and reflected on, with comments from the branch.
`manage.py serve` starts the real server (granian, 2 workers); client threads with
keep-alive connections and the member's session cookie request each page as fast as the
server answers.

Baseline in the same run: GET /healthz (one SELECT 1) through the same server and client.
Goal (issue 17): the lesson page and the home page at ≥ 0.25× the /healthz rate. Also
printed: the queries each page makes (Django's test client in-process, same data).
Exits 1 when a goal is missed.

Requests carry what a browser carries after its first page (the session and CSRF cookies,
Accept-Encoding: gzip), so the pages kept per person (common/pagecache.py) are used as in
real life. A last run of the lesson page (`lesson+w`) has another member liking and
unliking the lesson `--churn` times a second meanwhile: every write makes the kept pages
stale, so this is the figure for a busy county (printed, not a goal).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch import PY, REPO, free_port, load, manage, shell, wait_for

GOAL = 0.25
SHELL_RUNNER = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'xianfeng.settings'); "
    "django.setup(); exec(os.environ['XF_BENCH_CODE'])"
)

SETUP = r"""
import json
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, WatchProgress
from xianfeng.media.models import Video
from xianfeng.orgs.models import Role
from xianfeng.people.models import Member, User

member = User.objects.get(username="member")
secretary = User.objects.get(username="secretary")
branch = Role.objects.get(user=secretary, kind="secretary").org
lesson = services.lesson_create(actor=secretary, org=branch,
    data=services.LessonData(title="矿灯下的初心", speaker_name="王秀兰", story="老矿工的故事" * 10))
video = Video.objects.create(owner=secretary, original_name="x.mp4", status="ready", duration=600,
    output_dir="videos/bench/1", hls_master="videos/bench/1/master.m3u8",
    mp4="videos/bench/1/video.mp4", poster="videos/bench/1/poster.jpg",
    playable_at=timezone.now(), target_kind="lesson", target_id=str(lesson.pk))
Lesson.objects.filter(pk=lesson.pk).update(video=video)
lesson.refresh_from_db()
services.lesson_submit(actor=secretary, lesson=lesson)
services.lesson_publish(actor=secretary, lesson=lesson)
lesson.refresh_from_db()
services.like_set(user=member, lesson=lesson, liked=True)
services.rating_set(user=member, lesson=lesson, score=5)
services.watch_report(user=member, lesson=lesson, sections=[[0, 5]])
services.reflection_save(user=member, lesson=lesson, text="安全不是口号，是每一次下井前多看一眼、多问一句的习惯。" * 3)
for m in Member.objects.filter(org=branch).exclude(user=member).select_related("user")[:12]:
    services.comment_add(user=m.user, lesson=lesson, text=f"{m.user.name}：讲得好，受教育。")
s = SessionStore()
s["_auth_user_id"] = str(member.pk)
s["_auth_user_backend"] = "xianfeng.people.auth.PhoneOrUsernameBackend"
s["_auth_user_hash"] = member.get_session_auth_hash()
s.create()
from django.middleware.csrf import _get_new_csrf_string
print(json.dumps({"lesson": lesson.pk, "session": s.session_key, "csrf": _get_new_csrf_string()}))
"""

QUERIES = r"""
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from xianfeng.people.models import User
lesson = int(sys.argv[1])
client = Client()
client.force_login(User.objects.get(username="member"))
counts = {}
for name, path in (("lesson", f"/lessons/{lesson}/"), ("home", "/")):
    client.get(path)  # warm per-process memos, as a running server has them
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    counts[name] = len(ctx.captured_queries)
print(json.dumps(counts))
"""

# Other people's writes while the member reads: another member of the branch likes and
# unlikes the lesson, `rate` times a second (each write makes every kept page stale).
CHURN = r"""
import sys, time
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson
from xianfeng.people.models import User
lesson = Lesson.objects.get(pk=int(sys.argv[1]))
user = User.objects.get(username="secretary")
rate, until = float(sys.argv[2]), time.monotonic() + float(sys.argv[3])
liked, n = False, 0
while time.monotonic() < until:
    liked = not liked
    services.like_set(user=user, lesson=lesson, liked=liked)
    n += 1
    time.sleep(1 / rate)
print(n)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--churn",
        type=float,
        default=2,
        help="writes per second by someone else during the last run (0: none)",
    )
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="xf-bench-pages-")
    env = {
        **os.environ,
        "XF_VAR_DIR": var,
        "XF_TASKS": "immediate",
        "PYTHONPATH": str(REPO / "src"),
    }
    if args.postgres:
        url = "postgres://postgres@127.0.0.1:5432/xf_bench_pages"
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "xf_bench_pages"],
            check=False,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "xf_bench_pages"], check=True
        )
        env["XF_DATABASE_URL"] = url
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        manage(env, "seed_demo", "--members", "5000", "--no-content")
        setup = json.loads(shell(env, SETUP))
        # Queries of a page rendered (not one kept): what a miss costs.
        queries = json.loads(
            shell({**env, "XF_PAGE_CACHE_SECONDS": "0"}, QUERIES, str(setup["lesson"]))
        )
        port = free_port()
        server_env = {**env, "XF_PORT": str(port)}  # tasks inline: /healthz needs no worker
        server = subprocess.Popen(
            [PY, str(REPO / "manage.py"), "serve", "--no-worker"],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, 120)
            # What a browser sends after its first page: the session, the CSRF cookie
            # the page's tokens are masked from, and gzip.
            cookie = {
                "Cookie": f"sessionid={setup['session']}; csrftoken={setup['csrf']}",
                "Accept-Encoding": "gzip",
            }
            clients = [{}] * args.clients

            def get(path: str, headers: dict[str, str]):
                return lambda _i, _k: ("GET", path, None, headers)

            load(port, 2, clients, get("/healthz", {}))  # warm up both workers
            results = {}
            for name, path, headers in (
                ("healthz", "/healthz", {"Accept-Encoding": "gzip"}),
                ("lesson", f"/lessons/{setup['lesson']}/", cookie),
                ("home", "/", cookie),
            ):
                results[name] = load(port, args.seconds, clients, get(path, headers))
                time.sleep(0.5)
            if args.churn:
                writer = subprocess.Popen(
                    [
                        PY,
                        "-c",
                        SHELL_RUNNER,
                        str(setup["lesson"]),
                        str(args.churn),
                        str(args.seconds + 2),
                    ],
                    env={**env, "XF_BENCH_CODE": CHURN},
                    stdout=subprocess.PIPE,
                    text=True,
                )
                time.sleep(1)
                results["lesson+w"] = load(
                    port, args.seconds, clients, get(f"/lessons/{setup['lesson']}/", cookie)
                )
                writes = int((writer.communicate(timeout=60)[0] or "0").strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        shutil.rmtree(var, ignore_errors=True)

    base = results["healthz"]["rate"]
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"pages, {engine}, {args.clients} clients, {args.seconds:.0f} s each, granian 2 workers")
    print(
        f"{'page':<10}{'req/s':>10}{'× healthz':>12}{'p50 ms':>10}{'p99 ms':>10}{'queries':>9}{'errors':>8}"
    )
    missed = []
    for name, r in results.items():
        ratio = r["rate"] / base if base else 0
        q = queries.get(name.split("+")[0], 1)
        print(
            f"{name:<10}{r['rate']:>10.0f}{ratio:>12.2f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{q:>9}{r['errors']:>8}"
        )
        if name == "lesson+w":
            continue  # reported below, not a goal
        if name != "healthz" and ratio < GOAL:
            missed.append(f"{name} at {ratio:.2f}× /healthz (goal ≥ {GOAL}×)")
        if r["errors"]:
            missed.append(f"{name}: {r['errors']} failed requests")
    if "lesson+w" in results:
        print(
            f"lesson+w: the lesson page while someone else writes {writes / args.seconds:.1f} "
            "times a second (every write makes kept pages stale); not a goal, printed to show "
            "what the page cache is worth when the county is busy"
        )
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
