"""What a request answers while the database cannot be reached (a PostgreSQL restart, a
dropped connection): 503 with a Chinese reason and Retry-After, on pages and in the API;
other errors stay a 500. The real outage, on a real server, is in test_faults.py."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from tests.factories import UserFactory
from xianfeng.common.views import DATABASE_DOWN

pytestmark = pytest.mark.django_db


def database_down(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    raise OperationalError("server closed the connection unexpectedly")


def test_a_page_during_a_database_outage_answers_503_in_chinese(client):
    client.force_login(UserFactory())  # the session is read from the database
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        response = client.get(reverse("common:home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert DATABASE_DOWN in page
    assert "<script" not in page and "style=" not in page  # the strict CSP holds


def test_the_api_during_a_database_outage_answers_503_json(client):
    client.force_login(UserFactory())
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        response = client.get("/api/v1/lessons/1/comments")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": DATABASE_DOWN, "field": None}


def test_other_errors_stay_500(client, monkeypatch):
    from xianfeng.common import views

    def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "panels_for", broken)
    client.raise_request_exception = False
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()
    assert not response.has_header("Retry-After")
