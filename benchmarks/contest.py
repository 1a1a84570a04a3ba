"""A county final: 2,000 entries, 9 judges, every score present, public votes at 20 %.

    .venv/bin/python benchmarks/contest.py [--entries 2000] [--judges 9] [--only sqlite|postgres]

Times `contests.selectors.round_ranking` (trimmed mean + public votes, tie-breaks) on a
fresh SQLite file and a fresh PostgreSQL database (xf_bench_contest, created and dropped
here), counting its queries. Baseline in the same run: fetching the same review rows
with one plain `values_list` and nothing else, so the ratio says what the ranking costs
on top of reading its input.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DB = "xf_bench_contest"


def child(entries: int, judges: int) -> None:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from xianfeng.contests.enums import Aggregation, Level, RoundState
    from xianfeng.contests.models import (
        Contest,
        Criterion,
        Entry,
        EntryVersion,
        Review,
        Round,
        Standing,
        Vote,
    )
    from xianfeng.contests.selectors import round_ranking
    from xianfeng.lessons.models import Lesson
    from xianfeng.media.models import Video
    from xianfeng.orgs.services import org_create
    from xianfeng.people.models import User

    rng = random.Random(7)
    today = timezone.localdate()
    with transaction.atomic():
        county = org_create(
            actor=None, parent=None, code="B", name="基准县委", kind="committee", region="county"
        )
        branch = org_create(
            actor=None, parent=county, code="B1", name="基准支部", kind="branch", region="village"
        )
        author = User.objects.create(username="author", name="作者")
        video = Video.objects.create(
            owner=author, original_name="v.mp4", status="ready", duration=300
        )
        lessons = Lesson.objects.bulk_create(
            Lesson(
                title=f"微党课{i}",
                author=author,
                speaker_name=f"主讲{i}",
                org=branch,
                video=video,
                state="published",
            )
            for i in range(entries)
        )
        contest = Contest.objects.create(
            org=county,
            title="基准决赛",
            starts_on=today,
            ends_on=today,
            created_by=author,
            state="open",
        )
        round_ = Round.objects.create(
            contest=contest,
            number=1,
            name="决赛",
            level=Level.ORGANISER,
            starts_on=today,
            ends_on=today,
            aggregation=Aggregation.TRIMMED,
            vote_share=20,
            state=RoundState.OPEN,
        )
        criteria = Criterion.objects.bulk_create(
            [
                Criterion(round=round_, name=n, weight=w, max_score=100, order=i)
                for i, (n, w) in enumerate((("思想性", 40), ("艺术性", 30), ("观赏性", 30)))
            ]
        )
        entry_rows = Entry.objects.bulk_create(
            Entry(contest=contest, lesson=lesson, org=branch, entered_by=author, code=f"{i:05d}")
            for i, lesson in enumerate(lessons)
        )
        versions = EntryVersion.objects.bulk_create(
            EntryVersion(entry=e, number=1, video=video) for e in entry_rows
        )
        Standing.objects.bulk_create(
            Standing(entry=e, round=round_, decider=county) for e in entry_rows
        )
        judge_users = User.objects.bulk_create(
            User(username=f"judge{j}", name=f"评委{j}") for j in range(judges)
        )
        Review.objects.bulk_create(
            (
                Review(
                    round=round_,
                    entry=e,
                    judge=judge,
                    version=v,
                    scores={str(c.pk): str(rng.randint(55, 100)) for c in criteria},
                )
                for e, v in zip(entry_rows, versions, strict=True)
                for judge in judge_users
            ),
            batch_size=2000,
        )
        voters = User.objects.bulk_create(
            User(username=f"voter{i}", name=f"党员{i}") for i in range(300)
        )
        Vote.objects.bulk_create(
            (
                Vote(round=round_, entry=e, user=u)
                for e in entry_rows
                for u in rng.sample(voters, rng.randint(0, 12))
            ),
            batch_size=5000,
        )
    reviews = Review.objects.count()
    votes = Vote.objects.count()

    def timed(fn):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                result = fn()
            runs.append(time.perf_counter() - started)
        return statistics.median(runs), len(ctx.captured_queries), result

    seconds, queries, ranking = timed(lambda: round_ranking(round_))
    base_seconds, _, _ = timed(
        lambda: list(
            Review.objects.filter(round=round_).values_list("entry_id", "scores", "abstained")
        )
    )
    print(
        json.dumps(
            {
                "db": connection.vendor,
                "entries": entries,
                "judges": judges,
                "reviews": reviews,
                "votes": votes,
                "seconds": seconds,
                "queries": queries,
                "baseline": base_seconds,
                "top": [r.code for r in ranking[:3]],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=9)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.entries, args.judges)
        return
    results = []
    for db in ("sqlite", "postgres"):
        if args.only and args.only != db:
            continue
        var = tempfile.mkdtemp(prefix="xf-bench-contest-")
        env = {**os.environ, "XF_VAR_DIR": var, "XF_LOG_LEVEL": "WARNING", "XF_TASKS": "immediate"}
        if db == "postgres":
            try:
                import psycopg

                with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {DB}")
                    conn.execute(f"CREATE DATABASE {DB}")
            except Exception as exc:
                print(f"PostgreSQL skipped: {exc}")
                continue
            env["XF_DATABASE_URL"] = f"{PG}/{DB}"
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--entries",
                str(args.entries),
                "--judges",
                str(args.judges),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            sys.exit(out.stderr[-3000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if db == "postgres":
            import psycopg

            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    print(
        f"\nranking a final: {args.entries} entries × {args.judges} judges, trimmed mean, 20 % public vote"
    )
    print(
        f"{'database':12}{'reviews':>9}{'votes':>8}{'ranking s':>11}{'queries':>9}{'fetch s':>9}{'× fetch':>9}   goal ≤ 1 s"
    )
    for r in results:
        print(
            f"{r['db']:12}{r['reviews']:>9}{r['votes']:>8}{r['seconds']:>11.3f}{r['queries']:>9}"
            f"{r['baseline']:>9.3f}{r['seconds'] / r['baseline']:>8.1f}×   top 3: {', '.join(r['top'])}"
        )


if __name__ == "__main__":
    main()
