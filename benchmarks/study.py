"""Study: the county points ranking over a year of ledger, and 1,000 members handing in an
exam within a minute through the real server.

    .venv/bin/python benchmarks/study.py [--database postgres|sqlite] [--members 50000]
                                         [--days 175] [--takers 1000] [--clients 32]
                                         [--skip-exam] [--skip-ranking] [--reuse-data]

A fresh database (PostgreSQL xf_bench_study, or an SQLite file in the temp directory) gets
the demo county
(`seed_demo --members 5000 --no-content`, then members copied by SQL into the same
branches up to N, since seeding 50,000 one by one takes most of an hour here), then a year of learning points written straight
into the tables: each member earns on a share of the D days of its own (15–99 %, so about
5 million ledger rows at the defaults) a varying number of points a day, so the year totals
spread as people's do; with their week, month and year totals as the ledger service keeps
them.

1. Ranking. What the ranking page asks for a branch, a town and the county for the year
   (the top 50 with names and branches, and the person's place): median of 15 runs each.
   Baseline in the same run: the same ranking summed straight from the ledger (GROUP BY
   over the rows of the scope). Goal: ≤ 200 ms for each scope on PostgreSQL.
2. Exam. `--takers` members each have an attempt of a 10-question exam started (the paper
   drawn on the server); `--clients` threads then, through `manage.py serve` (granian, 2
   workers), save each member's 10 answers (PUT …/answers/N, as people do while they
   answer) and then hand every attempt in (POST …/submit, the burst at the end of an
   exam) with the member's session. Baseline: GET /healthz rate through the same server
   and client. Goals: the hand-in of all of them within 60 s, and every answer saved and
   graded (all answers right → every score full); nothing lost.

Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch import PY, REPO, free_port, load, manage, shell, wait_for

RANK_GOAL_MS = 200.0
EXAM_GOAL_S = 60.0

CLONE = r"""
import json, sys
from django.db import connection
target = int(sys.argv[1])
now = "now()" if connection.vendor == "postgresql" else "CURRENT_TIMESTAMP"
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM people_member")
    have = c.fetchone()[0]
    more = max(target - have, 0)
    # Plain SQL both databases read (a recursive series, no arrays).
    c.execute(f'''
        WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)
        INSERT INTO people_user (password, is_superuser, username, phone, name, is_active,
                                 is_staff, date_joined, login_epoch, email)
        SELECT '!', false, 'bench' || n, NULL, '党员' || n, true, false, {now}, 0, ''
        FROM g WHERE %s > 0
    ''', [more, more])
    c.execute(f'''
        WITH o AS (SELECT org_id, row_number() OVER (ORDER BY org_id) - 1 AS i
                   FROM (SELECT DISTINCT org_id FROM people_member) d),
             k AS (SELECT count(*) AS n FROM o),
             one AS (SELECT gender, status FROM people_member ORDER BY id LIMIT 1)
        INSERT INTO people_member (gender, ethnicity, education, status, is_mobile, mobile_place,
                                   position, created_at, updated_at, org_id, user_id)
        SELECT one.gender, '汉族', '', one.status, false, '', '', {now}, {now}, o.org_id, u.id
        FROM people_user u CROSS JOIN one CROSS JOIN k
        JOIN o ON o.i = u.id % k.n
        WHERE u.username LIKE 'bench%'
    ''')
    c.execute("SELECT count(*) FROM people_member")
    print(json.dumps({"members": c.fetchone()[0], "cloned": more}))
"""

LEDGER = r"""
import datetime, json, sys, time
from django.db import connection
from django.utils import timezone
days = int(sys.argv[1])
today = timezone.localdate()
start = today.replace(month=1, day=1)
span = max((today - start).days, 1)
pg = connection.vendor == "postgresql"
offset = "((m.id * 7 + d * 13) %% %s)"
day = f"(%s::date + {offset}::int)" if pg else f"date(%s, '+' || {offset} || ' days')"
now = "now()" if pg else "CURRENT_TIMESTAMP"
t0 = time.perf_counter()
with connection.cursor() as c:
    # Members differ as people do: each earns on a share of the days between 15 % and 99 %
    # (its own, fixed by its id), a different number of points a day; so the totals spread
    # and the ranking orders real differences, not 50,000 ties.
    c.execute(f'''
        WITH RECURSIVE g(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM g WHERE d < %s)
        INSERT INTO study_pointsentry
            (user_id, org_id, rule, kind, points, day, source_type, source_id, title, note,
             event_id, created_at)
        SELECT m.user_id, m.org_id,
               CASE d %% 4 WHEN 0 THEN 'lesson.completed' WHEN 1 THEN 'study.daily'
                           WHEN 2 THEN 'lesson.reflection' ELSE 'meeting.attended' END,
               'earn', 1 + ((m.id * 3 + d * 7) %% 5) + CASE WHEN d %% 4 = 2 THEN 2 ELSE 0 END,
               {day}, 'bench', m.id || '-' || d, '', '', NULL, {now}
        FROM people_member m CROSS JOIN g
        WHERE (m.id * 7919 + d * 104729) %% 100 < 15 + (m.id * 37) %% 85
    ''', [days, start, span])
    c.execute("SELECT count(*) FROM study_pointsentry")
    rows = c.fetchone()[0]
    if pg:
        periods = (
            ("year", "date_trunc('year', day)::date"),
            ("month", "date_trunc('month', day)::date"),
            ("week", "date_trunc('week', day)::date"),
        )
    else:
        periods = (
            ("year", "strftime('%%Y-01-01', day)"),
            ("month", "strftime('%%Y-%%m-01', day)"),
            ("week", "date(day, '-' || ((CAST(strftime('%%w', day) AS integer) + 6) %% 7) || ' days')"),
        )
    for period, expr in periods:
        c.execute(f'''
            INSERT INTO study_pointstotal (user_id, org_id, period, start, points)
            SELECT user_id, org_id, %s, {expr}, sum(points)
            FROM study_pointsentry GROUP BY user_id, org_id, {expr}
        ''', [period])
    c.execute("SELECT count(DISTINCT points), min(points), max(points) FROM study_pointstotal"
              " WHERE period = 'year'")
    distinct, low, high = c.fetchone()
print(json.dumps({"rows": rows, "seconds": round(time.perf_counter() - t0, 1),
                  "distinct": distinct, "low": low, "high": high}))
"""

# What autovacuum does to tables this size within minutes in production: statistics for the
# planner (without them it guesses one org in a county's path range) and the visibility
# map that lets an index-only scan skip the table. SQLite: ANALYZE, as `migrate` leaves it.
STATS = r"""
from django.db import connection
with connection.cursor() as c:
    for table in ("study_pointsentry", "study_pointstotal", "orgs_org", "people_user",
                  "people_member"):
        c.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")
print("{}")
"""

RANKING = r"""
import json, statistics, time
from django.db import connection, reset_queries
from django.db.models import Sum
from django.utils import timezone
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.people.models import Member, User
from xianfeng.study.models import PointsEntry
from xianfeng.study.selectors import points as sel

member = Member.objects.select_related("org").get(user__username="member")
today = timezone.localdate()
scopes = sel.scope_orgs(member.org)
out = {}
for scope, root in scopes.items():
    runs, base = [], []
    for i in range(15):
        t = time.perf_counter()
        rows = sel.ranking(root, "year", today)
        mine = sel.points_within(root, sel.my_period_rows(member.user, "year", today))
        rank = sel.rank_in(root, scope, "year", today, mine)
        runs.append(time.perf_counter() - t)
    for i in range(3):
        t = time.perf_counter()
        naive = list(
            PointsEntry.objects.filter(subtree_q([root.path], field="org__path"),
                                       day__gte=today.replace(month=1, day=1))
            .values("user_id").annotate(s=Sum("points")).order_by("-s")[:50]
        )
        base.append(time.perf_counter() - t)
    assert [r.points for r in rows] == [n["s"] for n in naive], (scope, "the totals disagree with the ledger")
    people = Member.objects.filter(subtree_q([root.path], field="org__path")).count()
    out[scope] = {"org": root.name, "members": people, "ms": 1000 * statistics.median(runs),
                  "base_ms": 1000 * statistics.median(base), "rank": rank.rank, "of": rank.of}
print(json.dumps(out, ensure_ascii=False))
"""

EXAM_SETUP = r"""
import datetime, json, sys
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from xianfeng.orgs.models import Org
from xianfeng.people.models import Member, User
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question
from xianfeng.study.services import quizzes

takers = int(sys.argv[1])
admin = User.objects.get(username="county_admin")
county = Org.objects.filter(parent__isnull=True).order_by("pk").first()
ids = []
for i in range(10):
    kind = ("single", "multiple", "judge", "blank")[i % 4]
    stem = f"基准测试第{i}题：党的根本宗旨是什么？"
    options = ["全心全意为人民服务", "发展经济", "维护稳定", "依法治国"] if kind in ("single", "multiple") else []
    answer = {"single": ["A"], "multiple": ["A", "C"], "judge": ["T"], "blank": ["为人民服务"]}[kind]
    # get_or_create: a --reuse-data run finds the last run's questions in the bank.
    ids.append(Question.objects.get_or_create(
        org=county, fingerprint=fingerprint(kind, stem),
        defaults=dict(kind=kind, stem=stem, options=options, answer=answer))[0].pk)
now = timezone.now()
exam = quizzes.quiz_create(actor=admin, org=county, title="基准考试", paper={"fixed": ids},
                           opens_at=now - datetime.timedelta(minutes=5),
                           closes_at=now + datetime.timedelta(hours=2), duration_minutes=60)
people = []
for m in Member.objects.select_related("user").order_by("pk")[:takers]:
    attempt = quizzes.attempt_start(user=m.user, quiz=exam)
    s = SessionStore()
    s["_auth_user_id"] = str(m.user.pk)
    s["_auth_user_backend"] = "xianfeng.people.auth.PhoneOrUsernameBackend"
    s["_auth_user_hash"] = m.user.get_session_auth_hash()
    s.create()
    answers = [item["key"][:1] if item["kind"] == "blank" else item["key"] for item in attempt.paper]
    people.append({"attempt": attempt.pk, "session": s.session_key, "answers": answers})
print(json.dumps({"exam": exam.pk, "people": people}, ensure_ascii=False))
"""

EXAM_CHECK = r"""
import json, sys
from django.db.models import F
from xianfeng.study.models import Attempt, AttemptAnswer
exam = int(sys.argv[1])
a = Attempt.objects.filter(quiz_id=exam)
print(json.dumps({
    "attempts": a.count(),
    "submitted": a.filter(state="submitted").count(),
    "full": a.filter(state="submitted", score=F("max_score")).count(),
    "answers": AttemptAnswer.objects.filter(attempt__quiz_id=exam).count(),
    "auto": a.filter(auto_submitted=True).count(),
}))
"""


def take_exam(port: int, people: list[dict], clients: int, *, phase: str) -> dict:
    """Each thread takes members in turn: `answers` saves the 10 answers of each (PUT),
    `submit` hands each in (POST)."""
    token = secrets.token_hex(16)  # 32 characters: Django accepts it unmasked
    queue = list(people)
    lock = threading.Lock()
    failures: list[str] = []
    done = [0]

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                person = queue.pop()
            headers = {
                "Cookie": f"sessionid={person['session']}; csrftoken={token}",
                "X-CSRFToken": token,
                "Content-Type": "application/json",
            }
            # One phase at a time: the answers as people go, then the hand-in burst (sending
            # both in each phase handed every attempt in during the first and had the second
            # phase's saves refused as 已经交卷).
            if phase == "answers":
                calls = [
                    (
                        "PUT",
                        f"/api/v1/study/attempts/{person['attempt']}/answers/{i}",
                        json.dumps({"response": answer}),
                    )
                    for i, answer in enumerate(person["answers"])
                ]
            else:
                calls = [("POST", f"/api/v1/study/attempts/{person['attempt']}/submit", "")]
            for method, path, body in calls:
                for _try in range(3):
                    try:
                        conn.request(method, path, body=body.encode(), headers=headers)
                        response = conn.getresponse()
                        text = response.read()
                        if response.status == 200:
                            break
                        failures.append(f"{method} {path}: {response.status} {text[:200]!r}")
                        break
                    except (OSError, http.client.HTTPException) as exc:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        if _try == 2:
                            failures.append(f"{method} {path}: {exc}")
            with lock:
                done[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": time.monotonic() - started, "done": done[0], "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50000)
    parser.add_argument(
        "--seed-members",
        type=int,
        default=5000,
        help="members made by seed_demo; the rest are copied by SQL into the same branches",
    )
    parser.add_argument(
        "--days", type=int, default=175, help="days each member may earn on (15–99 %% do)"
    )
    parser.add_argument("--takers", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--skip-exam", action="store_true")
    parser.add_argument("--skip-ranking", action="store_true")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep xf_bench_study from the last run (county and ledger): migrate it and rank",
    )
    args = parser.parse_args()
    pg = args.database == "postgres"
    sqlite_file = Path(tempfile.gettempdir()) / "xf_bench_study.sqlite3"

    var = tempfile.mkdtemp(prefix="xf-bench-study-")
    env = {
        **os.environ,
        "XF_VAR_DIR": var,
        "XF_TASKS": "immediate",
        "PYTHONPATH": str(REPO / "src"),
        "XF_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/xf_bench_study"
        if pg
        else f"sqlite:///{sqlite_file}",
    }
    if not args.reuse_data and not pg:
        for leftover in sqlite_file.parent.glob(sqlite_file.name + "*"):
            leftover.unlink()
    if not args.reuse_data and pg:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "xf_bench_study"],
            check=False,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "xf_bench_study"], check=True
        )
    missed: list[str] = []
    try:
        t = time.perf_counter()
        manage(env, "migrate", "--no-input", "-v", "0")
        if args.reuse_data:
            print(f"county and ledger of the last run, migrated in {time.perf_counter() - t:.0f} s")
        else:
            seeded = min(args.seed_members, args.members)
            manage(env, "seed_demo", "--members", str(seeded), "--no-content")
            cloned = json.loads(shell(env, CLONE, str(args.members)))
            print(
                f"county: {cloned['members']:,} members ({seeded:,} by seed_demo, "
                f"{cloned['cloned']:,} copied into the same branches) in "
                f"{time.perf_counter() - t:.0f} s"
            )
        if not args.skip_ranking:
            if not args.reuse_data:
                ledger = json.loads(shell(env, LEDGER, str(args.days)))
                print(
                    f"ledger: {ledger['rows']:,} rows written in {ledger['seconds']} s "
                    f"({'PostgreSQL' if pg else 'SQLite'}); year totals {ledger['low']}–"
                    f"{ledger['high']} points, {ledger['distinct']:,} different totals"
                )
            shell(env, STATS)
            ranking = json.loads(shell(env, RANKING))
            print(
                f"{'scope':<8}{'org':<16}{'members':>9}{'ranking ms':>12}{'ledger-sum ms':>15}{'× faster':>10}"
            )
            for scope, r in ranking.items():
                ratio = r["base_ms"] / r["ms"] if r["ms"] else 0
                print(
                    f"{scope:<8}{r['org']:<16}{r['members']:>9}{r['ms']:>12.1f}{r['base_ms']:>15.1f}{ratio:>10.1f}"
                )
                if r["ms"] > RANK_GOAL_MS:
                    missed.append(
                        f"ranking of the {scope}: {r['ms']:.0f} ms (goal ≤ {RANK_GOAL_MS:.0f} ms)"
                    )
        if not args.skip_exam:
            manage(env, "collectstatic", "--no-input", "-v", "0")
            setup = json.loads(shell(env, EXAM_SETUP, str(args.takers)))
            port = free_port()
            server = subprocess.Popen(
                [PY, str(REPO / "manage.py"), "serve"],
                # Events go to the database queue and the server's task worker runs them, as
                # in production; /healthz (the baseline) answers 503 without a worker's beat.
                env={**env, "XF_PORT": str(port), "XF_TASKS": "db"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its granian workers go with it
            )
            try:
                wait_for(port, timeout=180)
                load(port, 2, [{}] * args.clients, lambda _i, _k: ("GET", "/healthz", None, {}))
                base = load(
                    port, 5, [{}] * args.clients, lambda _i, _k: ("GET", "/healthz", None, {})
                )
                saving = take_exam(port, setup["people"], args.clients, phase="answers")
                exam = take_exam(port, setup["people"], args.clients, phase="submit")
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
            check = json.loads(shell(env, EXAM_CHECK, str(setup["exam"])))
            if not base["rate"]:
                missed.append("the baseline GET /healthz answered nothing (server down?)")
                base["rate"] = float("nan")
            saves = args.takers * 10
            save_rate = saves / saving["seconds"]
            rate = args.takers / exam["seconds"]
            print(
                f"answers: {saves} saves (PUT) in {saving['seconds']:.1f} s ({save_rate:.0f}/s, "
                f"{save_rate / base['rate']:.2f}× /healthz at {base['rate']:.0f}/s)"
            )
            print(
                f"hand-in: {args.takers} submits (POST) in {exam['seconds']:.1f} s ({rate:.0f}/s, "
                f"{rate / base['rate']:.2f}× /healthz)"
            )
            print(
                f"         submitted {check['submitted']}/{check['attempts']}, full marks {check['full']}, "
                f"answers saved {check['answers']}/{saves}, auto-submitted {check['auto']}, "
                f"failed requests {len(saving['failures']) + len(exam['failures'])}"
            )
            for line in (saving["failures"] + exam["failures"])[:5]:
                print("      ", line)
            if exam["seconds"] > EXAM_GOAL_S:
                missed.append(
                    f"exam hand-in took {exam['seconds']:.0f} s (goal ≤ {EXAM_GOAL_S:.0f} s)"
                )
            if check["submitted"] != args.takers or check["full"] != args.takers:
                missed.append(
                    f"{args.takers - check['full']} attempts not submitted with full marks"
                )
            if check["answers"] != saves or exam["failures"] or saving["failures"]:
                missed.append("answers lost or requests failed")
    finally:
        shutil.rmtree(var, ignore_errors=True)
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
