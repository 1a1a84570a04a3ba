"""The county 三会一课 overview: 1,000 branches × 12 months, ~50,000 meetings, on SQLite and
PostgreSQL.

    .venv/bin/python benchmarks/compliance.py [--branches 1000] [--only sqlite|postgres]

Each database is fresh (a temporary SQLite file; the PostgreSQL database xf_bench_compliance,
created and dropped here) and migrated first, untimed. A child process seeds a county (20
towns, N branches with a party group and a committee of three each) and last year's
meetings: per branch 12 支委会, 12 党小组会, 12 主题党日, 4 支部党员大会, 4 党课, 1 组织生活会,
1 民主评议 and a few extra, about one in ten left unapproved, planned only, cancelled or
never held, so the table has every colour. Then, timed (best and median of 7 runs after
one warm-up):

- the compliance table alone (selectors.compliance.compliance_table for the county), and
- the whole overview page as the county admin gets it (test client: session, middleware,
  template of the first 100 rows), with its number of queries;

and as the floor to read them against, measured in the same run on the same table: a plain
SELECT branch_id, kind, COUNT(*) … GROUP BY branch_id, kind over the year's meetings.
The goal is ≤ 300 ms for the page on PostgreSQL.
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
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "xf_bench_compliance"
RUNS = 7


def seed(branches: int, year: int) -> dict:
    import datetime
    import secrets
    import zoneinfo

    from django.db import transaction

    from xianfeng.meetings.enums import MeetingKind, MeetingState
    from xianfeng.meetings.models import Meeting
    from xianfeng.orgs.enums import OrgKind, Region, RoleKind
    from xianfeng.orgs.models import Org, Role
    from xianfeng.orgs.services import OrgSpec, org_tree_bulk_create
    from xianfeng.people.models import User

    rng = random.Random(2026)
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    towns = 20
    specs = [OrgSpec("BC", "基准县委", OrgKind.COMMITTEE, Region.COUNTY, None)]
    specs += [
        OrgSpec(f"BT{t:02d}", f"第{t}镇党委", OrgKind.COMMITTEE, Region.TOWN, "BC")
        for t in range(towns)
    ]
    for b in range(branches):
        code = f"BB{b:04d}"
        specs.append(
            OrgSpec(code, f"第{b}村党支部", OrgKind.BRANCH, Region.VILLAGE, f"BT{b % towns:02d}")
        )
        specs.append(OrgSpec(f"{code}G", f"第{b}村第一党小组", OrgKind.GROUP, Region.VILLAGE, code))
    started = time.perf_counter()
    with transaction.atomic():
        orgs = org_tree_bulk_create(actor=None, specs=specs)
        Org.objects.update(founded_on=datetime.date(2015, 1, 1))
        admin = User.objects.create(username="bench_admin", name="县管理员", password="!")
        Role.objects.create(user=admin, org=orgs["BC"], kind=RoleKind.ADMIN)
        users = User.objects.bulk_create(
            [
                User(username=f"bu{b}_{i}", name=f"党员{b}-{i}", password="!")
                for b in range(branches)
                for i in range(3)
            ],
            batch_size=1000,
        )
        kinds = [RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA]
        Role.objects.bulk_create(
            [
                Role(user=users[b * 3 + i], org=orgs[f"BB{b:04d}"], kind=kinds[i])
                for b in range(branches)
                for i in range(3)
            ],
            batch_size=1000,
        )
        plan = (
            [(MeetingKind.COMMITTEE, m) for m in range(1, 13)]
            + [(MeetingKind.GROUP, m) for m in range(1, 13)]
            + [(MeetingKind.THEME_DAY, m) for m in range(1, 13)]
            + [(MeetingKind.ASSEMBLY, m) for m in (2, 5, 8, 11)]
            + [(MeetingKind.LECTURE, m) for m in (3, 6, 9, 12)]
            + [(MeetingKind.LIFE, 1), (MeetingKind.APPRAISAL, 12)]
        )
        rows = []
        for b in range(branches):
            branch, group = orgs[f"BB{b:04d}"], orgs[f"BB{b:04d}G"]
            host, a, bb = users[b * 3], users[b * 3 + 1], users[b * 3 + 2]
            extra = [(MeetingKind.THEME_DAY, rng.randint(1, 12)) for _ in range(rng.randint(2, 6))]
            for kind, month in plan + extra:
                roll = rng.random()
                if roll < 0.04:
                    continue  # never held
                state = (
                    MeetingState.HELD
                    if roll < 0.06
                    else MeetingState.SUBMITTED
                    if roll < 0.08
                    else MeetingState.PLANNED
                    if roll < 0.09
                    else MeetingState.CANCELLED
                    if roll < 0.10
                    else MeetingState.ARCHIVED
                    if roll < 0.5
                    else MeetingState.APPROVED
                )
                starts = datetime.datetime(year, month, rng.randint(1, 28), 15, 0, tzinfo=tz)
                rows.append(
                    Meeting(
                        org=group if kind == MeetingKind.GROUP else branch,
                        branch=branch,
                        kind=kind,
                        topic=f"{MeetingKind(kind).label}{month}月",
                        starts_at=starts,
                        ends_at=starts + datetime.timedelta(hours=1),
                        place="村委会",
                        host=host,
                        recorder_a=a,
                        recorder_b=bb,
                        state=state,
                        year=year,
                        month=month,
                        checkin_key=secrets.token_hex(8),
                        created_by=host,
                    )
                )
        Meeting.objects.bulk_create(rows, batch_size=2000)
    return {
        "meetings": len(rows),
        "orgs": len(specs),
        "seed_seconds": time.perf_counter() - started,
    }


def timed(fn) -> tuple[float, float, object]:
    fn()  # warm-up (query plans, caches, the template)
    seconds = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds), result


def child(branches: int) -> None:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from xianfeng.meetings.selectors.compliance import compliance_table
    from xianfeng.orgs.models import Org
    from xianfeng.people.models import User

    today = timezone.localdate()
    year = today.year - 1
    counts = seed(branches, year)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    root = Org.objects.get(code="BC")

    def table():
        return compliance_table(root, year=year, today=today)

    best_table, median_table, result = timed(table)
    rows = result.rows  # type: ignore[attr-defined]
    assert len(rows) == branches

    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))
    url = f"/meetings/compliance/?year={year}"

    def page():
        response = client.get(url)
        assert response.status_code == 200
        return response

    best_page, median_page, response = timed(page)
    with CaptureQueriesContext(connection) as queries:
        page()
    html = response.content.decode()  # type: ignore[attr-defined]

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT branch_id, kind, COUNT(*) FROM meetings_meeting WHERE year = %s "
                "GROUP BY branch_id, kind",
                [year],
            )
            return cursor.fetchall()

    best_floor, median_floor, groups = timed(floor)
    print(
        json.dumps(
            {
                **counts,
                "branches": branches,
                "table_best": best_table,
                "table_median": median_table,
                "page_best": best_page,
                "page_median": median_page,
                "page_queries": len(queries),
                "page_kb": len(html.encode()) / 1024,
                "floor_best": best_floor,
                "floor_median": median_floor,
                "floor_groups": len(groups),  # type: ignore[arg-type]
                "failed_branches": sum(1 for r in rows if r.failed),
            }
        )
    )


def run(label: str, env: dict[str, str], branches: int) -> dict:
    # XF_TESTING: plain static storage (no collectstatic manifest) for the test client.
    env = {**os.environ, **env, "XF_TESTING": "true"}
    subprocess.run(
        [PYTHON, str(REPO / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=REPO
    )
    done = subprocess.run(
        [PYTHON, __file__, "--child", "--branches", str(branches)],
        env=env,
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"{label}: the benchmark failed:\n{done.stderr[-3000:]}")
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    result["database"] = label
    return result


def sqlite(branches: int) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="xf-bench-compliance-") as tmp:
        env = {"XF_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "XF_VAR_DIR": tmp}
        return run("SQLite", env, branches)


def postgres(branches: int) -> dict | None:
    try:
        import psycopg

        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"PostgreSQL skipped: cannot reach {PG_SERVER} ({exc.__class__.__name__}: {exc})")
        return None
    with admin, tempfile.TemporaryDirectory(prefix="xf-bench-compliance-") as tmp:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        try:
            env = {"XF_DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}", "XF_VAR_DIR": tmp}
            return run("PostgreSQL", env, branches)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def report(results: list[dict]) -> None:
    if not results:
        return
    r0 = results[0]
    print(
        f"\ncounty overview: {r0['branches']} branches × 12 months, "
        f"{r0['meetings']} meetings ({r0['orgs']} orgs)"
    )
    print(
        f"{'database':<11} {'page ms':>8} {'(median)':>9} {'queries':>8} {'KB':>6} "
        f"{'table ms':>9} {'floor ms':>9} {'page × floor':>13}"
    )
    for r in results:
        ratio = r["page_best"] / r["floor_best"] if r["floor_best"] else float("inf")
        print(
            f"{r['database']:<11} {r['page_best'] * 1000:>8.0f} {r['page_median'] * 1000:>9.0f} "
            f"{r['page_queries']:>8} {r['page_kb']:>6.0f} {r['table_best'] * 1000:>9.0f} "
            f"{r['floor_best'] * 1000:>9.1f} {ratio:>12.1f}×"
        )
    print(
        "  page: GET /meetings/compliance/ as the county admin (all branches computed, first "
        "100 rendered);\n  table: the compliance computation alone; floor: SELECT branch_id, "
        "kind, COUNT(*) GROUP BY over the same year of meetings.\n  goal: page ≤ 300 ms on "
        "PostgreSQL."
    )
    for r in results:
        print(
            f"  {r['database']}: seeded in {r['seed_seconds']:.1f} s; {r['failed_branches']} "
            f"branches with a failed period; floor returned {r['floor_groups']} groups"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.branches)
        return
    results = []
    for name, bench in (("sqlite", sqlite), ("postgres", postgres)):
        if args.only in (None, name):
            result = bench(args.branches)
            if result:
                results.append(result)
    report(results)


if __name__ == "__main__":
    main()
