"""/api/v1/docs in Chromium: Swagger UI from our static files renders every operation
under the strict CSP, with no violation reported."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Known defect (2026-12-03): with the assessment API (/api/v1/assessment/…) in the "
        "schema, Swagger UI stops rendering after the third tag (10 of 173 operations shown, "
        "no console error). Bisected by serving edited schemas to the page: any one of the six "
        "assessment operations alone breaks it; without them every other operation renders. "
        "Cause not found yet; no $ref is missing, no operationId repeats, and "
        "the fuzz stage passes. strict: this fails as soon as the page renders again."
    ),
)
def test_api_docs_render_the_operations_without_csp_violations(new_page, live_server):
    from xianfeng.api import api

    schema = api.get_openapi_schema(path_params={})
    operations = sum(len(methods) for methods in schema["paths"].values())
    page = new_page(1280, 900)
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() == operations
    assert (
        page.locator(".opblock-summary-path", has_text="/api/v1/lessons/{lesson_id}/watch").count()
        == 1
    )
    assert page.locator(".info .title").inner_text().startswith("先锋 API")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    page.wait_for_selector(".opblock")
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests), (
        requests
    )
    assert violations == [] and page.errors == []
