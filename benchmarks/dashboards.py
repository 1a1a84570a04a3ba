"""The county dashboard over a province-sized fact table, and the monthly recompute.

    .venv/bin/python benchmarks/dashboards.py [--counties 50] [--villages 300]
        [--skip-page] [--skip-recompute] [--members 50000]

PostgreSQL only (the issue's goal is for PostgreSQL; the database xf_bench_dashboards is
created, migrated and dropped here).

(a) The fact table of a province: 1 province, N counties, 15 towns per county and M villages
    per county (branches), 24 months × 30 indicators for every org (the registered ones,
    topped up with synthetic ones of both kinds, a third with a target), inserted with one
    INSERT … SELECT over generate_series (50 × 300 × 24 × 30 ≈ 11.4 million rows). Timed (best
    and median of 7 after a warm-up): GET /dashboards/org/<a county>/ as that county's admin
    through the test client (session, middleware, template), with its queries; and in the
    same run, as the floor to read it against, GET /healthz. Goal: median ≤ 150 ms.

(b) The monthly recompute (`indicators_compute --month` for last month) of the demo county
    ×10: `seed_demo --members 50000` (ten times its default 5,000 members, and what each
    app's demo seeds for them) in a fresh database; goal ≤ 60 s. The baseline in the same
    run is the demo county at its default size in another fresh database, so the ratio says
    how the compute grows with the members. Each run is three computes (the second and third
    replace the first's rows: the idempotent path the periodic job takes); the slowest
    indicators are printed.

Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "xf_bench_dashboards"
RUNS = 7
MONTHS = 24
INDICATORS = 30
TOWNS = 15
PAGE_GOAL = 0.150
RECOMPUTE_GOAL = 60.0
SCALE = 10  # the demo county ×10 (members)
DEFAULT_MEMBERS = 5000  # seed_demo's default (people/demo/names.py)


def timed(fn) -> tuple[float, float, object]:
    fn()  # warm-up
    seconds = []
    result = None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds), result


def _setup() -> None:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")
    import django

    django.setup()


def _synthetic_indicators() -> list[str]:
    """Top the registry up to 30 indicators (the page shows every registered one)."""
    from xianfeng.common import indicators
    from xianfeng.common.indicators import Indicator

    codes = [i.code for i in indicators.registered()]
    n = 0
    while len(codes) < INDICATORS:
        ratio = n % 2 == 0
        indicators.register(
            Indicator(
                code=f"bench.i{n:02d}",
                name=f"基准指标{n}",
                unit="%" if ratio else "次",
                app="bench",
                group=f"基准分组{n % 4}",
                compute=lambda month: [],
                ratio=ratio,
                target=80 if n % 3 == 0 else None,
                description="基准测试用指标",
            )
        )
        codes.append(f"bench.i{n:02d}")
        n += 1
    return codes


def seed(counties: int, villages: int) -> dict:
    import datetime

    from django.db import connection, transaction

    from xianfeng.common.indicators import Month
    from xianfeng.orgs.enums import OrgKind, Region, RoleKind
    from xianfeng.orgs.models import Org, Role
    from xianfeng.orgs.services import OrgSpec, org_tree_bulk_create
    from xianfeng.people.models import User

    specs = [OrgSpec("P", "基准省委", OrgKind.COMMITTEE, Region.OTHER, None)]
    for c in range(counties):
        county = f"C{c:02d}"
        specs.append(OrgSpec(county, f"第{c}县委", OrgKind.COMMITTEE, Region.COUNTY, "P"))
        for t in range(TOWNS):
            specs.append(
                OrgSpec(
                    f"{county}T{t:02d}", f"第{c}县第{t}镇", OrgKind.COMMITTEE, Region.TOWN, county
                )
            )
        for v in range(villages):
            specs.append(
                OrgSpec(
                    f"{county}V{v:03d}",
                    f"第{c}县第{v}村党支部",
                    OrgKind.BRANCH,
                    Region.VILLAGE,
                    f"{county}T{v % TOWNS:02d}",
                )
            )
    started = time.perf_counter()
    with transaction.atomic():
        orgs = org_tree_bulk_create(actor=None, specs=specs)
        Org.objects.update(founded_on=datetime.date(2015, 1, 1))
        admin = User.objects.create(username="bench_admin", name="县管理员", password="!")
        Role.objects.create(user=admin, org=orgs["C00"], kind=RoleKind.ADMIN)
    codes = _synthetic_indicators()
    last = Month.of(datetime.date.today())
    first = last
    for _ in range(MONTHS - 1):
        first = first.previous()
    with connection.cursor() as cursor:
        # Every org × month × indicator: values in [0, 100), as the roll-up leaves them.
        cursor.execute(
            """
            INSERT INTO assessment_fact
                (org_id, indicator, month, numerator, denominator, own_numerator,
                 own_denominator, value, computed_at)
            SELECT o.id, i.code, m.month::date, v.x, 100, v.x, 100, v.x, now()
            FROM orgs_org o
            CROSS JOIN unnest(%s::text[]) AS i(code)
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 month') AS m(month)
            CROSS JOIN LATERAL (SELECT round((random() * 100)::numeric, 1)::float AS x) v
            """,
            [codes, first.first, last.first],
        )
        facts = cursor.rowcount
        cursor.execute("ANALYZE")
    return {
        "orgs": len(specs),
        "facts": facts,
        "indicators": len(codes),
        "seed_seconds": time.perf_counter() - started,
    }


def child_page(counties: int, villages: int) -> None:
    _setup()
    from django.db import connection
    from django.test import Client

    from xianfeng.people.models import User

    counts = seed(counties, villages)
    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))

    from django.core.cache import cache

    from xianfeng.assessment.selectors import FACTS_VERSION_KEY

    def page():
        response = client.get("/dashboards/org/C00/")
        assert response.status_code == 200, response.status_code
        return response

    def first_view():
        """The first view after a recompute: the board's cache entry is of another version."""
        cache.delete(FACTS_VERSION_KEY)
        return page()

    def health():
        response = client.get("/healthz")
        assert response.status_code in (200, 503)
        return response

    best, median, response = timed(first_view)
    cached_best, cached_median, _ = timed(page)
    queries: list[str] = []
    slowest: list[tuple[float, str]] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            slowest.append((time.perf_counter() - started, sql[:300]))

    with connection.execute_wrapper(count):
        first_view()
    floor_best, floor_median, _ = timed(health)
    html = response.content.decode()  # type: ignore[attr-defined]
    print(
        json.dumps(
            {
                **counts,
                "page_best": best,
                "page_median": median,
                "page_queries": len(queries),
                "cached_best": cached_best,
                "cached_median": cached_median,
                "slowest_queries": sorted(slowest, reverse=True)[:3],
                "page_kb": len(html.encode()) / 1024,
                "flags": html.count("个支部"),
                "floor_best": floor_best,
                "floor_median": floor_median,
            }
        )
    )


def child_recompute(members: int) -> None:
    _setup()
    from django.core.management import call_command
    from django.utils import timezone

    from xianfeng.assessment.models import Fact
    from xianfeng.assessment.services import facts_compute
    from xianfeng.common import indicators
    from xianfeng.common.indicators import Month

    started = time.perf_counter()
    failures = io.StringIO()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", members=members, stdout=quiet, stderr=failures)
    seeded = time.perf_counter() - started
    if failures.getvalue().strip():
        # A seeder that failed leaves its app's records out: the recompute would be timed
        # on less than the county it claims to be.
        sys.exit(f"seed_demo --members {members}: {failures.getvalue().strip()}")
    month = Month.of(timezone.localdate()).previous()
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("indicators_compute", month=str(month), stdout=quiet)
        runs.append(time.perf_counter() - started)
    each = []
    for indicator in indicators.registered():
        started = time.perf_counter()
        facts_compute(month=month, codes=[indicator.code])
        each.append((time.perf_counter() - started, indicator.code))
    print(
        json.dumps(
            {
                "members": members,
                "seed_seconds": seeded,
                "recompute_best": min(runs),
                "recompute_median": statistics.median(runs),
                "fact_rows": Fact.objects.filter(month=month.first).count(),
                "slowest": sorted(each, reverse=True)[:5],
            }
        )
    )


def run(kind: str, args: list[str], env: dict[str, str]) -> dict:
    env = {**os.environ, **env, "XF_TESTING": "true"}
    subprocess.run(
        [PYTHON, str(REPO / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=REPO
    )
    done = subprocess.run(
        [PYTHON, __file__, "--child", kind, *args],
        env=env,
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"{kind}: the benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_database(kind: str, args: list[str]) -> dict | None:
    try:
        import psycopg

        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"PostgreSQL unreachable at {PG_SERVER} ({exc.__class__.__name__}: {exc})")
        return None
    with admin, tempfile.TemporaryDirectory(prefix="xf-bench-dashboards-") as tmp:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        try:
            env = {"XF_DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}", "XF_VAR_DIR": tmp}
            return run(kind, args, env)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=50)
    parser.add_argument("--villages", type=int, default=300)
    parser.add_argument("--skip-recompute", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument(
        "--members", type=int, default=0, help="demo county members (default 5000 × 10)"
    )
    parser.add_argument("--child", choices=("page", "recompute"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "page":
        child_page(args.counties, args.villages)
        return
    if args.child == "recompute":
        child_recompute(args.members)
        return
    missed = []
    if not args.skip_page:
        missed += measure_page(args)
    if not args.skip_recompute:
        missed += measure_recompute(args)
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
        sys.exit(1)


def measure_page(args: argparse.Namespace) -> list[str]:
    page = fresh_database(
        "page", ["--counties", str(args.counties), "--villages", str(args.villages)]
    )
    if page is None:
        sys.exit(1)
    print(
        f"\n(a) county dashboard over {page['facts']:,} facts "
        f"({page['orgs']:,} orgs × {MONTHS} months × {page['indicators']} indicators; "
        f"seeded in {page['seed_seconds']:.0f} s)"
    )
    ratio = page["page_median"] / page["floor_median"] if page["floor_median"] else float("inf")
    print(
        f"  GET /dashboards/org/C00/, first view after a recompute (board not cached): best "
        f"{page['page_best'] * 1000:.0f} ms, median {page['page_median'] * 1000:.0f} ms, "
        f"{page['page_queries']} queries, {page['page_kb']:.0f} KB\n"
        f"  the same page again (board cached until the next recompute): median "
        f"{page['cached_median'] * 1000:.0f} ms\n  GET /healthz (floor, same run): median "
        f"{page['floor_median'] * 1000:.1f} ms → the first view costs {ratio:.1f}× /healthz"
    )
    for seconds, sql in page["slowest_queries"]:
        print(f"    {seconds * 1000:6.1f} ms  {sql[:150]}")
    verdict = "met" if page["page_median"] <= PAGE_GOAL else "MISSED"
    print(
        f"  goal: median ≤ {PAGE_GOAL * 1000:.0f} ms on PostgreSQL for the first view — {verdict}"
    )
    return [] if verdict == "met" else ["dashboard page"]


def measure_recompute(args: argparse.Namespace) -> list[str]:
    members = args.members or DEFAULT_MEMBERS * SCALE
    base = fresh_database("recompute", ["--members", str(DEFAULT_MEMBERS)])
    done = fresh_database("recompute", ["--members", str(members)])
    if base is None or done is None:
        sys.exit(1)
    print("\n(b) monthly recompute (indicators_compute --month, three runs each)")
    for label, run_ in (("demo county (baseline)", base), (f"demo county ×{SCALE}", done)):
        print(
            f"  {label}: {run_['members']:,} members, seeded in {run_['seed_seconds']:.0f} s, "
            f"{run_['fact_rows']:,} facts for the month; best {run_['recompute_best']:.2f} s, "
            f"median {run_['recompute_median']:.2f} s"
        )
        slow = ", ".join(f"{code} {sec:.2f} s" for sec, code in run_["slowest"])
        print(f"    slowest indicators: {slow}")
    ratio = done["recompute_median"] / base["recompute_median"]
    print(f"  ×{members / DEFAULT_MEMBERS:.0f} members cost {ratio:.1f}× the baseline")
    verdict = "met" if done["recompute_median"] <= RECOMPUTE_GOAL else "MISSED"
    print(f"  goal: ≤ {RECOMPUTE_GOAL:.0f} s for the demo county ×{SCALE} — {verdict}")
    return [] if verdict == "met" else ["recompute"]


if __name__ == "__main__":
    main()
