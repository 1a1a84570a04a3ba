"""Pages and JSON leave the embedded server gzip-compressed; media never is, and a
streaming response stays streaming."""

from __future__ import annotations

import gzip
import json

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from xianfeng.common.middleware import CompressTextMiddleware

pytestmark = pytest.mark.django_db


def test_login_page_is_gzipped_and_the_same_page(client):
    plain = client.get("/accounts/login/")
    packed = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    text = gzip.decompress(packed.content).decode()
    assert "登录" in text and text.startswith("<!doctype html>")
    assert len(packed.content) < len(plain.content) * 0.6


def test_json_is_gzipped(client):
    response = client.get("/api/v1/openapi.json", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["openapi"].startswith("3.")


def _through(response, accept="gzip"):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept)
    return CompressTextMiddleware(lambda r: response)(request)


def test_media_is_never_compressed():
    body = b"\x00" * 5000
    for kind in ("video/mp4", "video/mp2t", "application/vnd.apple.mpegurl", "image/jpeg"):
        response = _through(HttpResponse(body, content_type=kind))
        assert ("Content-Encoding" in response, response.content) == (False, body), kind


def test_partial_content_is_never_compressed():
    response = HttpResponse("<p>" + "党" * 3000, content_type="text/html", status=206)
    assert "Content-Encoding" not in _through(response)


def test_streaming_page_stays_streaming_and_compressed():
    chunks = ["<p>第一段</p>" * 200, "<p>第二段</p>" * 200]
    response = _through(StreamingHttpResponse(iter(chunks), content_type="text/html"))

    assert response.streaming and response["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(response.streaming_content)).decode() == "".join(chunks)


def test_client_without_gzip_gets_plain_html():
    response = _through(HttpResponse("<p>" + "党" * 3000, content_type="text/html"), accept="")
    assert "Content-Encoding" not in response
