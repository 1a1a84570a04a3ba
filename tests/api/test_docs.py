"""/api/v1/docs: Swagger UI from our own static files, started by an external script
(the strict CSP allows no inline script and no CDN)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def test_docs_page_has_no_inline_script_and_only_local_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = SCRIPT.findall(html)
    assert [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts] == [
        "/static/vendor/swagger-ui-bundle.js",
        "/static/xianfeng/api_docs.js",
    ]
    assert all(body.strip() == "" for _, body in scripts)
    assert "<style" not in html and " style=" not in html
    links = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert all(link.startswith("/") and not link.startswith("//") for link in links), links
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_static_files_are_served(client):
    from django.contrib.staticfiles import finders

    for name in ("vendor/swagger-ui-bundle.js", "vendor/swagger-ui.css", "xianfeng/api_docs.js"):
        assert finders.find(name), name


def test_schema_declares_the_error_body_on_every_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["schemas"]["ErrorOut"]["properties"].keys() == {
        "detail",
        "field",
    }
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            token_issue = (method, path) == ("post", "/api/v1/auth/token")  # no login at all
            if not token_issue and "401" not in codes:
                missing.append((method, path, "401"))
            unsafe = method in ("post", "put", "delete")
            if unsafe and not token_issue and "403" not in codes:
                missing.append((method, path, "403"))
            if "{" in path and "422" not in codes:
                missing.append((method, path, "422"))
            for code in codes - {"200", "201", "204"}:
                body = operation["responses"][code]["content"]["application/json"]["schema"]
                name = body.get("$ref", "").rsplit("/", 1)[-1]
                props = schema["components"]["schemas"].get(name, {}).get("properties", {})
                # ErrorOut, or an error that says more (a stage score's 409 adds `retry`).
                if not {"detail", "field"} <= props.keys():
                    missing.append((method, path, code))
    assert missing == []
