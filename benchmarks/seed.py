"""How fast `manage.py seed_demo` writes the demo county, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/seed.py [--members 50000] [--only sqlite|postgres]

Each database is fresh (a temporary SQLite file; the PostgreSQL database xf_bench_seed,
created and dropped here) and migrated first, untimed. A child process then times
seed_demo and, as a floor to read the figure against, plain INSERTs of as many (id, text)
rows into a scratch table in one transaction, through executemany and through multi-row
INSERTs (what bulk_create sends), whichever is faster: "N× the raw insert floor" is what
planning the county in Python, the ORM, the wider rows and their indexes cost on top of
the database itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "xf_bench_seed"


def child(members: int) -> None:
    """Runs inside the prepared database: time seed_demo, then the raw insert floor."""
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from xianfeng.orgs.models import Org, Role
    from xianfeng.people.demo import plan_county
    from xianfeng.people.models import Member, User

    # Informational: how much of seed_demo is drawing the county in plain Python.
    started = time.perf_counter()
    plan_county(members=members)
    planning = time.perf_counter() - started

    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", members=members, stdout=quiet)
    seconds = time.perf_counter() - started
    counts = {
        "orgs": Org.objects.count(),
        "users": User.objects.count(),
        "members": Member.objects.count(),
        "roles": Role.objects.count(),
    }
    rows = sum(counts.values())

    data = [(i, f"第{i}行 row {i}") for i in range(1, rows + 1)]
    floors = {}
    for method in ("executemany", "multirow"):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_scratch (id integer PRIMARY KEY, txt varchar(100))")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if method == "executemany":
                cursor.executemany("INSERT INTO bench_scratch (id, txt) VALUES (%s, %s)", data)
            else:
                # What bulk_create sends: one INSERT with many VALUES tuples per batch
                # (SQLite allows 999 parameters a statement).
                size = 499 if connection.vendor == "sqlite" else 1000
                for start in range(0, rows, size):
                    batch = data[start : start + size]
                    values = ", ".join(["(%s, %s)"] * len(batch))
                    flat = [v for row in batch for v in row]
                    cursor.execute(f"INSERT INTO bench_scratch (id, txt) VALUES {values}", flat)
        floors[method] = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_scratch")
    floor = min(floors.values())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "planning": planning,
                "rows": rows,
                "counts": counts,
                "floor": floor,
                "floors": floors,
            }
        )
    )


def run(label: str, env: dict[str, str], members: int) -> dict | None:
    env = {**os.environ, **env}
    subprocess.run(
        [PYTHON, str(REPO / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=REPO
    )
    done = subprocess.run(
        [PYTHON, __file__, "--child", "--members", str(members)],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    result["database"] = label
    return result


def sqlite(members: int) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="xf-bench-seed-") as tmp:
        env = {"XF_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "XF_VAR_DIR": tmp}
        return run("SQLite", env, members)


def postgres(members: int) -> dict | None:
    try:
        import psycopg

        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"PostgreSQL skipped: cannot reach {PG_SERVER} ({exc.__class__.__name__}: {exc})")
        return None
    with admin, tempfile.TemporaryDirectory(prefix="xf-bench-seed-") as tmp:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        try:
            env = {"XF_DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}", "XF_VAR_DIR": tmp}
            return run("PostgreSQL", env, members)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def report(results: list[dict], members: int) -> None:
    print(f"\nseed_demo --members {members}")
    print(
        f"{'database':<11} {'seconds':>8} {'(planning)':>11} {'rows':>8} {'rows/s':>8} "
        f"{'floor s':>8} {'× floor':>8}"
    )
    for r in results:
        rate = r["rows"] / r["seconds"]
        ratio = r["seconds"] / r["floor"] if r["floor"] else float("inf")
        print(
            f"{r['database']:<11} {r['seconds']:>8.2f} {r['planning']:>11.2f} {r['rows']:>8} "
            f"{rate:>8.0f} {r['floor']:>8.3f} {ratio:>7.0f}×"
        )
    print("  (planning): drawing the county in plain Python, part of seconds, timed apart")
    for r in results:
        c, f = r["counts"], r["floors"]
        print(
            f"  {r['database']}: {c['orgs']} orgs + {c['users']} users + "
            f"{c['members']} members + {c['roles']} roles; floor = the faster of executemany "
            f"{f['executemany']:.3f} s and multi-row INSERT {f['multirow']:.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.members)
        return
    results = []
    for name, bench in (("sqlite", sqlite), ("postgres", postgres)):
        if args.only in (None, name):
            result = bench(args.members)
            if result:
                results.append(result)
    report(results, args.members)


if __name__ == "__main__":
    main()
