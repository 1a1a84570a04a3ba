"""数据看板 and 数据大屏: what each person sees, the charts' words, red flags, exports, queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import (
    LessonFactory,
    MemberFactory,
    OrgFactory,
    UserFactory,
    WatchProgressFactory,
    grant,
)
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month
from xianfeng.dashboards.selectors import months_until, trend_reading
from xianfeng.lessons.models import WatchProgress
from xianfeng.study.models import Attempt, Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(county):
    """This month: 张东街 (A1) and 王柳湾 (B1) each finished a lesson; 李西街 (A2) did not."""
    lesson = LessonFactory(published=True)
    for member in (county.member_a1, county.member_b1):
        WatchProgressFactory(user=member.user, lesson=lesson, completed_at=timezone.now())
    facts_compute(month=Month.of(timezone.localdate()))
    return county


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_a_town_admin_sees_the_town_with_charts_words_ranking_and_flags(client, computed):
    response = get(client, computed.town_a_admin, "/dashboards/org/TA/?i=lessons.participation")
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇党委 · 数据看板" in html and 'data-card="lessons.participation"' in html
    # Every chart is also said in words: this month's 50% against the 90% target.
    assert "参学率：" in html and "目标90%，本月未达标" in html
    # The ranking: 东街 100% above 西街 0%, and the flag names 西街 as behind.
    ranking = html[html.index('id="db-ranking"') :]
    assert ranking.index("东街社区党支部") < ranking.index("西街社区党支部")
    flags = html[html.index('id="db-flags"') : html.index('id="db-ranking"')]
    assert "个支部参学率未达标" in flags and "西街社区党支部" in flags
    assert "柳湾村党支部" not in html  # another town's branch
    assert "河口镇党委" not in html
    # The chart data travels as JSON, never as an inline script.
    assert '<script id="dashboard-data" type="application/json">' in html
    assert "vendor/echarts.simple.min.js" in html


def test_the_county_flags_only_branches_and_drills_down(client, computed):
    html = get(client, computed.county_admin, "/dashboards/org/C/").content.decode()
    flags = html[html.index('id="db-flags"') :]
    assert "1 个支部参学率未达标" in flags  # 西街 only: 东街 and 柳湾 are at 100 %
    assert "/dashboards/org/A2/" in flags
    assert "/dashboards/org/TA/" in html and "/dashboards/org/TB/" in html  # children


def test_a_branch_dashboard_links_to_the_records_behind_a_figure(client, computed):
    html = get(client, computed.secretary_a1, "/dashboards/org/A1/").content.decode()
    year = timezone.localdate().year
    assert f"/meetings/compliance/A1/?year={year}" in html  # 三会一课 → the branch's meetings
    assert f"/lessons/coverage/?org=A1&amp;year={year}" in html


def test_a_secretary_reads_only_their_branch(client, computed):
    assert get(client, computed.secretary_a1, "/dashboards/org/A1/").status_code == 200
    for code in ("B1", "TA", "C"):
        assert get(client, computed.secretary_a1, f"/dashboards/org/{code}/").status_code == 404
        assert client.get(f"/dashboards/screen/{code}/data.json").status_code == 404
        assert client.get(f"/dashboards/org/{code}/?format=xlsx").status_code == 404
    assert get(client, computed.secretary_b1, "/dashboards/org/A1/").status_code == 404


@pytest.mark.parametrize("who", ["member_a1", "judge", "resident"])
def test_people_without_a_record_role_see_no_dashboard(client, computed, who):
    user = getattr(computed, who)
    user = getattr(user, "user", user)
    client.force_login(user)
    assert client.get("/dashboards/").status_code == 403
    assert client.get("/dashboards/org/A1/").status_code == 404
    assert client.get("/dashboards/screen/A1/").status_code == 404
    assert client.get("/dashboards/screen/A1/data.json").status_code == 404
    assert "/dashboards/" not in client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_login(client, computed):
    for url in ("/dashboards/org/TA/", "/dashboards/screen/TA/", "/dashboards/screen/TA/data.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_index_opens_the_top_of_the_reach_and_the_nav_shows_it(client, computed):
    client.force_login(computed.town_a_admin)
    response = client.get("/dashboards/?month=2026-05")
    assert response["Location"] == "/dashboards/org/TA/?month=2026-05"
    assert 'href="/dashboards/"' in client.get("/").content.decode()


def test_bad_parameters_are_chinese_400s(client, computed):
    client.force_login(computed.county_admin)
    response = client.get("/dashboards/org/C/?month=2026-13")
    assert response.status_code == 400 and "月份应写作 YYYY-MM" in response.content.decode()
    response = client.get("/dashboards/screen/C/?refresh=1")
    assert response.status_code == 400 and "刷新间隔（秒）应为 2 到 3600 之间的整数" in (
        response.content.decode()
    )


def test_the_export_holds_the_figures_the_trend_and_the_children(client, computed):
    response = get(client, computed.town_a_admin, "/dashboards/org/TA/?format=xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["本月指标", "近12个月", "下级排名"]
    rows = list(book["本月指标"].iter_rows(values_only=True))
    participation = next(r for r in rows if r[1] == "参学率")
    assert participation[2:8] == (50, "%", 1, 2, 90, "否")
    trend = next(r for r in book["近12个月"].iter_rows(values_only=True) if r[0] == "参学率")
    assert len(trend) == 14 and trend[-1] == 50
    ranked = list(book["下级排名"].iter_rows(values_only=True))
    assert [r[1] for r in ranked[2:]] == ["东街社区党支部", "西街社区党支部"]
    assert ranked[2][3] == 100 and ranked[3][3] == 0


def test_the_screen_data_counts_who_is_watching_now_in_the_subtree(client, computed):
    now = timezone.now()
    old = now - datetime.timedelta(minutes=10)
    WatchProgress.objects.update(last_report_at=old)  # the fixture's watching is over
    lesson = LessonFactory(published=True)
    WatchProgressFactory(user=computed.member_a2.user, lesson=lesson, last_report_at=now)
    WatchProgressFactory(user=computed.member_b1.user, lesson=lesson, last_report_at=now)
    WatchProgressFactory(user=computed.member_a1.user, lesson=lesson, last_report_at=old)
    data = get(client, computed.town_a_admin, "/dashboards/screen/TA/data.json").json()
    counters = {c["code"]: c["value"] for c in data["counters"]}
    assert counters["lessons.watching"] == 1  # 李西街 now; 张东街 ten minutes ago; 王柳湾 elsewhere
    assert data["org"] == "城关镇党委"
    panel = next(p for p in data["panels"] if p["code"] == "lessons.participation")
    assert panel["children"] == {
        "orgs": ["东街社区党支部", "西街社区党支部"],
        "values": [100.0, 0.0],
    }
    assert "2个下级组织按参学率排名" in panel["children_reading"]
    assert "参学率" in [f["name"] for f in data["flags"]]
    assert "柳湾" not in str(data)


def test_the_screens_tree_colours_and_labels_the_towns_and_counts_their_branches(client, computed):
    """参学率 this month: 城关镇 50 % (东街 100 %, 西街 0 %), 河口镇 100 % (柳湾 100 %); the
    target is 90 %. Each tile says in words what its colour says."""
    data = get(client, computed.county_admin, "/dashboards/screen/C/data.json").json()
    panel = next(p for p in data["panels"] if p["code"] == "lessons.participation")
    assert panel["tree"] == {
        "org": "青山县委",
        "tiles": [
            {
                "name": "城关镇党委",
                "shown": "50%",
                "tier": "bad",
                "verdict": "未达标",
                "branches": "2个支部中1个未达标",
            },
            {
                "name": "河口镇党委",
                "shown": "100%",
                "tier": "good",
                "verdict": "达标",
                "branches": "1个支部中0个未达标",
            },
        ],
        "reading": "青山县委下2个组织按参学率：1个未达标，1个达标（城关镇党委）。",
    }
    # A town's screen: its branches as tiles, and nothing of the other town.
    data = get(client, computed.town_a_admin, "/dashboards/screen/TA/data.json").json()
    panel = next(p for p in data["panels"] if p["code"] == "lessons.participation")
    assert [(t["name"], t["verdict"]) for t in panel["tree"]["tiles"]] == [
        ("东街社区党支部", "达标"),
        ("西街社区党支部", "未达标"),
    ]
    assert "河口" not in str(data) and "柳湾" not in str(data)


def test_the_screens_tree_ranks_by_thirds_where_there_is_no_target(client, county):
    indicators.register(
        _indicator(code="test.count", name="测试次数", unit="次", ratio=False, target=None)
    )
    try:
        month = Month.of(timezone.localdate())
        extra = OrgFactory(code="TC", name="白沙镇党委", kind="committee", parent=county.county)
        for org, value in ((county.town_a, 3.0), (county.town_b, 9.0), (extra, 6.0)):
            Fact.objects.create(
                org=org,
                indicator="test.count",
                month=month.first,
                numerator=value,
                denominator=0,
                value=value,
                computed_at=timezone.now(),
            )
        data = get(client, county.county_admin, "/dashboards/screen/C/data.json").json()
        panel = next(p for p in data["panels"] if p["code"] == "test.count")
        tiles = [(t["name"], t["shown"], t["tier"], t["verdict"]) for t in panel["tree"]["tiles"]]
        assert tiles == [
            ("城关镇党委", "3 次", "bad", "靠后"),
            ("河口镇党委", "9 次", "good", "靠前"),
            ("白沙镇党委", "6 次", "mid", "居中"),
        ]
        assert all(t["branches"] == "" for t in panel["tree"]["tiles"])
    finally:
        indicators.unregister("test.count")


def test_the_screen_page_is_a_dark_page_with_no_inline_script(client, computed):
    html = get(client, computed.county_admin, "/dashboards/screen/C/?refresh=5").content.decode()
    assert 'data-refresh="5"' in html and 'data-rotate="15"' in html
    assert "<script>" not in html and " style=" not in html
    assert 'data-url="/dashboards/screen/C/data.json"' in html


def _indicator(**kw):
    defaults = dict(
        code="test.share",
        name="测试占比",
        unit="%",
        app="test",
        compute=lambda month: [],
        description="",
        ratio=True,
        target=90,
    )
    return Indicator(**{**defaults, **kw})


def test_the_reading_says_span_direction_high_low_and_target():
    months = months_until(Month(2026, 6), 4)
    assert [str(m) for m in months] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    text = trend_reading(_indicator(), months, [60.0, None, 95.0, 80.0])
    assert text == (
        "测试占比：2026年3月至2026年6月，从3月的60%上升到6月的80%；"
        "最高95%（2026年5月），最低60%（2026年3月）；目标90%，本月未达标。"
    )
    count = _indicator(ratio=False, unit="部", target=None)
    assert trend_reading(count, months, [None] * 4) == "测试占比：2026年3月至2026年6月没有数据。"
    assert "只有6月的数据，为3 部" in trend_reading(count, months, [None, None, None, 3.0])
    lower = _indicator(higher_is_better=False, target=10)
    assert trend_reading(lower, months, [20.0, 15.0, 12.0, 8.0]).endswith("目标10%，本月达标。")


def test_flags_rank_worst_first_where_lower_is_better(client, county):
    indicators.register(
        _indicator(code="test.late", name="逾期率", higher_is_better=False, target=10)
    )
    try:
        month = Month.of(timezone.localdate())
        for org, value in ((county.branch_a1, 30.0), (county.branch_a2, 50.0)):
            Fact.objects.create(
                org=org,
                indicator="test.late",
                month=month.first,
                numerator=value,
                denominator=100,
                value=value,
                computed_at=timezone.now(),
            )
        html = get(client, county.town_a_admin, "/dashboards/org/TA/").content.decode()
        flags = html[html.index('id="db-flags"') :]
        assert "2 个支部逾期率未达标" in flags
        assert flags.index("西街社区党支部") < flags.index("东街社区党支部")  # 50 % is worse
    finally:
        indicators.unregister("test.late")


def test_exams_not_taken_flag_the_branches_that_skipped_them_within_the_reach(client, county):
    """The county's exam closed on 20 May: 张东街 (A1) and 王柳湾 (B1) handed it in, 李西街
    (A2) did not; a second member of A1 did not either. Study's 考试参考率 (target 100 %)
    raises the flag through the fact table; each reader sees only their subtree's branches."""
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    may = Month(2026, 5)
    day = datetime.datetime(2026, 5, 20, 18, tzinfo=beijing)
    MemberFactory(org=county.branch_a1, user=UserFactory(username="m2"))
    exam = Quiz.objects.create(
        org=county.county, kind="exam", title="党章考试", paper={}, is_published=True, closes_at=day
    )
    for member in (county.member_a1, county.member_b1):
        Attempt.objects.create(
            quiz=exam,
            user=member.user,
            org=member.org,
            number=1,
            state="submitted",
            started_at=day - datetime.timedelta(hours=1),
            submitted_at=day - datetime.timedelta(minutes=30),
        )
    facts_compute(month=may)

    def flag(user, code):
        html = get(client, user, f"/dashboards/org/{code}/?month=2026-05").content.decode()
        return html[html.index('id="db-flags"') : html.index('id="db-ranking"')]

    county_flags = flag(county.county_admin, "C")
    shown = county_flags[county_flags.index("考试参考率未达标") - 20 :]
    assert "2 个支部考试参考率未达标" in county_flags
    # Worst first: 西街 0 % (0 of 1), then 东街 50 % (1 of 2); 柳湾 at 100 % is not listed.
    assert shown.index("西街社区党支部") < shown.index("东街社区党支部")
    assert "0%" in shown and "50%" in shown and "柳湾村党支部" not in shown.split("</details>")[0]
    assert "2 个支部考试参考率未达标" in flag(county.town_a_admin, "TA")
    # The branch secretary of 柳湾 reads only 柳湾: it handed in, so no exam flag there.
    client.logout()
    client.force_login(county.secretary_b1)
    html = client.get("/dashboards/org/B1/?month=2026-05").content.decode()
    assert "考试参考率未达标" not in html and "西街社区党支部" not in html
    assert client.get("/dashboards/org/A2/?month=2026-05").status_code == 404


def test_a_months_trend_is_read_from_the_fact_table(client, county):
    month = Month.of(timezone.localdate())
    for back, value in ((0, 80.0), (1, 70.0), (11, 40.0), (12, 1.0)):
        m = month
        for _ in range(back):
            m = m.previous()
        Fact.objects.create(
            org=county.town_a,
            indicator="lessons.participation",
            month=m.first,
            numerator=value,
            denominator=100,
            value=value,
            computed_at=timezone.now(),
        )
    html = get(client, county.town_a_admin, "/dashboards/org/TA/").content.decode()
    first = month
    for _ in range(11):
        first = first.previous()
    assert f"从{first.month}月的40%上升到{month.month}月的80%" in html  # 12 months, not 13
    assert "最低40%" in html


@pytest.mark.parametrize("children", [1, 4])
def test_dashboard_and_screen_queries_do_not_grow_with_the_county(
    client, county, django_assert_num_queries, children
):
    root = OrgFactory(code="Q", name="查询县委", kind="committee", parent=None)
    for n in range(children):
        OrgFactory(code=f"Q{n}", name=f"支部{n}", parent=root)
    facts_compute(month=Month.of(timezone.localdate()))
    grant(county.county_admin, root, "admin")
    client.force_login(county.county_admin)
    client.get("/dashboards/org/Q/")  # warm the session
    # session, user, the org, the facts' version, the board rendered by the warm-up, the
    # live counters (one cache read), the unread badge (roles from the identity memo)
    with django_assert_num_queries(7):
        assert client.get("/dashboards/org/Q/").status_code == 200
    # Another indicator chosen: the board computed (facts, children, their facts, flag
    # counts) and stored (the database cache's write is a few queries of its own)
    with django_assert_num_queries(16):
        assert client.get("/dashboards/org/Q/?i=lessons.published").status_code == 200
    # session, user, the org, facts, children, their facts for the chosen and for all,
    # flag counts, the tree's branches per child, the counters' cache read
    with django_assert_num_queries(10):
        assert client.get("/dashboards/screen/Q/data.json").status_code == 200


def test_a_recompute_shows_on_the_cached_dashboard_at_once(client, computed):
    client.force_login(computed.town_a_admin)
    html = client.get("/dashboards/org/A2/").content.decode()
    assert "参学率：" in html and "本月未达标" in html
    WatchProgressFactory(
        user=computed.member_a2.user,
        lesson=LessonFactory(published=True),
        completed_at=timezone.now(),
    )
    assert "本月未达标" in client.get("/dashboards/org/A2/").content.decode()  # still cached
    facts_compute(month=Month.of(timezone.localdate()))
    html = client.get("/dashboards/org/A2/").content.decode()
    assert "目标90%，本月达标" in html


def test_after_a_recompute_the_warm_up_renders_the_boards_above_the_branches_once(client, computed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xianfeng.dashboards.boards import boards_warm
    from xianfeng.orgs.models import Org

    above = Org.objects.exclude(kind__in=["branch", "group"]).filter(dissolved_on__isnull=True)
    assert boards_warm() == above.count() > 1
    assert boards_warm() == 0  # all in the cache: nothing rendered
    client.force_login(computed.town_a_admin)
    # The warmed board is served from the cache: the page reads no fact at all.
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/dashboards/org/TA/").content.decode()
    assert not [q for q in ctx.captured_queries if "assessment_fact" in q["sql"]]
    assert "参学率" in html
    facts_compute(month=Month.of(timezone.localdate()))  # a new version: all again
    assert boards_warm() == above.count()
