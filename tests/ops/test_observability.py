"""Metrics behind a token, /readyz, and the request log line (id, route, status, duration,
the person's id, never their phone or ID number)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from xianfeng.audit.services import audit_log
from xianfeng.ops.logs import JsonFormatter, scrub
from xianfeng.ops.models import BackupRun, BackupStatus

pytestmark = pytest.mark.django_db
TOKEN = "m" * 40


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the exposition text (None when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        metric, _, rest = head.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if metric == name and found == labels:
            return float(value)
    return None


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def test_metrics_answer_only_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    superuser = UserFactory(is_superuser=True)
    client.force_login(superuser)
    assert client.get("/metrics").status_code == 404  # a session is not the token
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_requests_are_counted_by_view_and_status(client, settings):
    settings.METRICS_TOKEN = TOKEN
    labels = {"view": "people:login", "method": "GET", "status": "200"}
    before = sample(scrape(client), "xf_http_requests_total", **labels) or 0.0
    count_before = (
        sample(scrape(client), "xf_http_request_duration_seconds_count", view="people:login") or 0.0
    )
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no-such-page/")
    text = scrape(client)
    assert sample(text, "xf_http_requests_total", **labels) == before + 2
    assert (
        sample(text, "xf_http_request_duration_seconds_count", view="people:login")
        == count_before + 2
    )
    assert (
        sample(text, "xf_http_requests_total", view="(unmatched)", method="GET", status="404") >= 1
    )


def test_database_figures(client, settings, county):
    from xianfeng.media.models import Video

    settings.METRICS_TOKEN = TOKEN
    text = scrape(client)
    assert sample(text, "xf_task_queue_depth", queue="default") == 0.0
    assert sample(text, "xf_task_queue_depth", queue="media") == 0.0
    assert sample(text, "xf_videos", status="failed") == 0.0
    assert sample(text, "xf_event_deliveries", state="undispatched") == 0.0
    assert sample(text, "xf_backup_last_success_timestamp_seconds") == 0.0

    for status in ("failed", "failed", "transcoding"):
        Video.objects.create(owner=county.member_a1.user, original_name="a.mp4", status=status)
    audit_log(actor=None, action="test", obj=county.county, event="ops.test")
    finished = timezone.now()
    BackupRun.objects.create(started_at=finished, finished_at=finished, status=BackupStatus.OK)
    text = scrape(client)
    assert sample(text, "xf_videos", status="failed") == 2.0
    assert sample(text, "xf_videos", status="transcoding") == 1.0
    assert sample(text, "xf_event_deliveries", state="undispatched") == 1.0
    assert sample(text, "xf_backup_last_success_timestamp_seconds") == pytest.approx(
        finished.timestamp(), abs=0.001
    )
    assert sample(text, "xf_workers_alive") == 0.0
    assert (sample(text, "xf_disk_free_bytes", path="var") or 0) > 0


def test_readyz_verdict_for_anyone_details_for_the_token(client, settings, tmp_path):
    settings.READY_DISK_MIN_MB = 0
    settings.BACKUP_DIR = ""
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "failing": []})
    settings.BACKUP_DIR = str(tmp_path)  # automatic backups on, none made yet
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "fail", "failing": ["backup"]},
    )
    settings.METRICS_TOKEN = TOKEN
    checks = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()["checks"]
    assert sorted(checks) == ["backup", "cache", "database", "disk", "queues", "workers"]
    assert checks["backup"]["detail"] == "还没有成功的备份"
    assert checks["workers"] == {"ok": True, "detail": "inline", "ms": checks["workers"]["ms"]}


def test_one_log_line_per_request_with_id_route_status_and_person(client, county, caplog):
    caplog.set_level(logging.INFO, logger="xianfeng.request")
    member = county.member_a1.user
    client.force_login(member)
    response = client.get("/", HTTP_X_REQUEST_ID="lb-1234567890")
    assert response["X-Request-ID"] == "lb-1234567890"
    (record,) = [r for r in caplog.records if r.name == "xianfeng.request"]
    assert (record.method, record.route, record.view, record.status, record.user_id) == (
        "GET",
        "/",
        "common:home",
        200,
        member.pk,
    )
    assert record.request_id == "lb-1234567890"
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("request_id", "route", "status", "user_id", "logger")} == {
        "request_id": "lb-1234567890",
        "route": "/",
        "status": 200,
        "user_id": member.pk,
        "logger": "xianfeng.request",
    }
    assert line["message"].startswith("GET / 200 ")
    caplog.clear()
    response = client.get("/lessons/999999/", HTTP_X_REQUEST_ID="bad id!")  # not taken
    (record,) = [r for r in caplog.records if r.name == "xianfeng.request"]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert (record.route, record.status) == ("/lessons/<int:pk>/", 404)


def test_phone_and_id_numbers_never_reach_the_log():
    assert scrub("[短信 → 13900000003] 身份证 11010119900307123X，电话 15262385566") == (
        "[短信 → 139****0003] 身份证 [身份证号]，电话 152****5566"
    )
    assert (
        scrub("订单 2026120200000000001 与 12345678901")
        == "订单 2026120200000000001 与 12345678901"
    )
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "发给 %s", ("13900000003",), None)
    from xianfeng.ops.logs import TextFormatter

    text = TextFormatter("%(levelname)s [%(request_id)s] %(message)s").format(record)
    assert text == "INFO [-] 发给 139****0003"
    assert json.loads(JsonFormatter().format(record))["message"] == "发给 139****0003"
    assert record.getMessage() == "发给 13900000003"  # other handlers get the record as written


def test_the_sample_dashboard_names_only_metrics_we_export(client, settings):
    from pathlib import Path

    settings.METRICS_TOKEN = TOKEN
    client.get("/accounts/login/")
    exported = {
        line.split("{")[0].split(" ")[0]
        for line in scrape(client).splitlines()
        if line and not line.startswith("#")
    }
    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json").read_text()
    )
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bxf_\w+", target["expr"])
    }
    assert len(used) == 11
    assert used - exported == set()


def test_the_request_line_costs_no_query(client, django_assert_num_queries):
    # /healthz runs one query (SELECT 1); the log line and the metrics add none, not even
    # a session lookup to find out who is asking.
    with django_assert_num_queries(1):
        assert client.get("/healthz").status_code == 200
