"""Token clients: a real API client has a token and no session, and its unsafe requests
carry no CSRF token, so these tests use Django's client with CSRF checks on."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.test import Client

from tests.conftest import PASSWORD
from tests.media.conftest import Clips
from xianfeng.media.models import Video


class TokenClient:
    """A client that sends `Authorization: Bearer <token>` and nothing else: no cookies
    from a login, no CSRF token."""

    def __init__(self, username: str) -> None:
        self.http = Client(enforce_csrf_checks=True)
        response = self.http.post(
            "/api/v1/auth/token",
            {"username": username, "password": PASSWORD, "label": "测试客户端"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content.decode()
        self.token = response.json()["token"]
        self.auth = {"Authorization": f"Bearer {self.token}"}

    def call(self, method: str, url: str, body=None, status: int = 200, **headers):
        kwargs = {"headers": {**self.auth, **headers}}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = "application/json"
        response = getattr(self.http, method)(url, **kwargs)
        assert response.status_code == status, (method, url, response.content.decode())
        assert "sessionid" not in self.http.cookies  # never logged in through a session
        if response.content and response["Content-Type"].startswith("application/json"):
            return response.json()
        return response


@pytest.fixture
def token_client(county):
    return TokenClient


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory) -> Path:
    """640×360 H.264 MP4 with AAC, 11 s (made once with the bundled ffmpeg)."""
    return Clips(tmp_path_factory.mktemp("api-clips")).small


@pytest.fixture
def media_dirs(settings, tmp_path, monkeypatch, db) -> Path:
    """Uploads, sources, outputs and the transcoder's work in tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TRANSCODE_DIR = tmp_path / "work"
    settings.UPLOAD_DIR = tmp_path / "uploads"
    field_storage = Video._meta.get_field("source").storage
    for storage in {id(s): s for s in (field_storage, storages["private"])}.values():
        monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
        monkeypatch.setattr(storage, "location", str(tmp_path / "private"))
    return tmp_path


# The contest fixture of tests/contests, for the judge's walk through the API.
from tests.contests.conftest import world  # noqa: E402, F401
