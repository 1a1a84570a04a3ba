"""Feed, series feed and search as the lessons of a county pile up: 1k, 10k, 100k.

    .venv/bin/python benchmarks/feed.py [--sizes 1000,10000,100000] [--postgres [--reuse]] [--runs 15]

A fresh database (SQLite in a temp dir, or PostgreSQL database xf_bench_feed) gets a small
county (`seed_demo --members 300 --no-content`), then published lessons are added in bulk
up to each size: spread over the county's branches, published to their branch (most), to
the county or to everyone, a tenth in one 专题, one in eight about 矿工 (searchable), each
indexed as the lesson service indexes it. At each size the member persona's pages are
timed in-process (Django's test client, the whole middleware stack and the template:
server time without the network), the median of `--runs` requests after one warm-up:

    /lessons/                    the latest feed (what the member may see)
    /lessons/?series=<id>        a 专题 feed
    /lessons/?q=矿工             search

Baseline in the same run: /healthz through the same client. Goal (issue 17): every page
≤ 20 ms at 100,000 lessons, so the cost does not follow the table's size; also printed,
each page's time at the largest size over its time at the smallest. Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch import manage, shell

GOAL_MS = 20.0

GROW = r"""
import datetime, json, random, sys
from django.db import connection, transaction
from django.utils import timezone
from xianfeng.lessons import search
from xianfeng.lessons.enums import LessonState, TextStatus
from xianfeng.lessons.models import Lesson, Series
from xianfeng.orgs.models import Org
from xianfeng.people.models import User

target = int(sys.argv[1])
have = Lesson.objects.count()
member = User.objects.select_related("member__org").get(username="member")
branch = member.member.org
county = Org.objects.get(path=branch.path[:8])
branches = list(Org.objects.filter(kind="branch").values_list("pk", flat=True))
author = User.objects.get(username="secretary")
series = Series.objects.filter(title="基准专题").first()
if series is None:
    series = Series.objects.create(org=branch, title="基准专题", created_by=author)
rng = random.Random(have)
start = timezone.now() - datetime.timedelta(days=3650)
topics = ["安全生产", "乡村振兴", "党史学习", "基层治理", "志愿服务", "廉洁自律", "矿工"]
rows = []
for i in range(have, target):
    topic = topics[i % 7] if i % 8 else "矿工"
    kind = rng.random()
    audience = county.pk if kind < 0.1 else (branch.pk if kind < 0.2 else rng.choice(branches))
    title = f"{topic}微党课第{i}讲"
    rows.append(Lesson(
        title=title, summary=f"{topic}的故事", speaker_name="主讲人", author=author,
        org_id=audience if audience != county.pk else branch.pk,
        state=LessonState.PUBLISHED, text_status=TextStatus.VISIBLE,
        audience_id=audience, is_public=kind > 0.95,
        series=series if i % 10 == 0 else None,
        submitted_at=start + datetime.timedelta(minutes=i),
        published_at=start + datetime.timedelta(minutes=i),
        duration=300, search_text=search.tokens_for_index(title, f"{topic}的故事", "主讲人"),
    ))
with transaction.atomic():
    made = Lesson.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(search._FTS_INSERT, [(m.pk, m.search_text) for m in made])
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lessons_lesson")
else:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
print(json.dumps({"lessons": Lesson.objects.count(), "series": series.pk}))
"""

TIME = r"""
import json, statistics, sys, time
from django.test import Client
from xianfeng.people.models import User
series, runs = int(sys.argv[1]), int(sys.argv[2])
client = Client()
client.force_login(User.objects.get(username="member"))
pages = {
    "healthz": "/healthz",
    "feed": "/lessons/",
    "series feed": f"/lessons/?series={series}",
    "search 矿工": "/lessons/?q=矿工",
}
out = {}
for name, path in pages.items():
    response = client.get(path)  # warm up
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    out[name] = statistics.median(times)
print(json.dumps(out))
"""


def _database_exists(name: str) -> bool:
    found = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() == "1"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep xf_bench_feed from an earlier run (migrated, not re-seeded)",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    var = tempfile.mkdtemp(prefix="xf-bench-feed-")
    env = {
        **os.environ,
        "XF_VAR_DIR": var,
        "XF_TASKS": "immediate",
        "XF_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src"),
    }
    env.pop("XF_TESTING", None)
    reuse = args.postgres and args.reuse and _database_exists("xf_bench_feed")
    if args.postgres and args.reuse and not reuse:
        print("xf_bench_feed does not exist yet: a fresh one is made", file=sys.stderr)
    if args.postgres and not reuse:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "xf_bench_feed"],
            check=False,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "xf_bench_feed"], check=True
        )
    if args.postgres:
        env["XF_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/xf_bench_feed"
    results: dict[int, dict[str, float]] = {}
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        if not reuse:
            manage(env, "seed_demo", "--members", "300", "--no-content")
        for size in sizes:
            grown = json.loads(shell(env, GROW, str(size)))
            results[size] = json.loads(shell(env, TIME, str(grown["series"]), str(args.runs)))
            print(f"  {grown['lessons']:>7} lessons measured", file=sys.stderr)
    finally:
        shutil.rmtree(var, ignore_errors=True)

    engine = "PostgreSQL" if args.postgres else "SQLite"
    names = list(next(iter(results.values())))
    print(f"feed and search, {engine}, member persona, median of {args.runs} (ms, server time)")
    print(f"{'lessons':>9}" + "".join(f"{n:>14}" for n in names))
    for size, row in results.items():
        print(f"{size:>9}" + "".join(f"{row[n]:>14.1f}" for n in names))
    small, large = results[sizes[0]], results[sizes[-1]]
    print(
        f"{'× ' + str(sizes[0]):>9}"
        + "".join(f"{large[n] / small[n] if small[n] else 0:>14.2f}" for n in names)
    )
    missed = [
        f"{name} {large[name]:.1f} ms at {sizes[-1]} lessons (goal ≤ {GOAL_MS:.0f} ms)"
        for name in names
        if name != "healthz" and large[name] > GOAL_MS
    ]
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
