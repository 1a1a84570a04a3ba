"""schemathesis fuzzes every operation of /api/v1/ in-process through the WSGI app, as an
anonymous client and as a token client with roles (so it reaches real code), and checks
that nothing answers 5xx, every answer has a documented status and matches its schema.

Marked `fuzz`: scripts/test.sh runs it once, on SQLite, in a step of its own. Derandomized
(hypothesis draws the same examples every run) so CI is not flaky; XF_FUZZ_EXAMPLES sets
the examples per operation and client. XF_FUZZ_ONLY (a regular expression, searched in each
operation's path and in its operationId) limits a local run to the operations it matches;
unset or empty, every operation is fuzzed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import TokenClient
from tests.factories import published_lesson
from tests.meetings.conftest import make_branch, plan
from xianfeng.api import api
from xianfeng.notify.services import notify

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("XF_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


def _app():
    """Django's WSGI app, run inside the test's transaction: the request signals must not
    close the connection (Django's test client unhooks them the same way)."""
    django_app = get_wsgi_application()

    def app(environ, start_response):
        # schemathesis' WSGI client asks for gzip like `requests` does but, unlike it, does
        # not inflate the answer before validating it: ask for plain bodies (compression
        # has its own tests, tests/common/test_compression.py).
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return list(django_app(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


def only(schema, pattern: str):
    """The schema limited to the operations whose path or operationId the regular
    expression matches (re.search); an empty pattern leaves every operation in. Filters
    given to one schema's include() are alternatives, so the two make an OR."""
    if not pattern:
        return schema
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise pytest.UsageError(f"XF_FUZZ_ONLY is not a regular expression: {exc}") from None
    return schema.include(path_regex=regex).include(operation_id_regex=regex)


schema = only(
    schemathesis.openapi.from_dict(
        json.loads(json.dumps(api.get_openapi_schema(path_params={}), ensure_ascii=False))
    ),
    os.environ.get("XF_FUZZ_ONLY", ""),
)
schema.app = _app()


@pytest.fixture
def seeded(county) -> Iterator[dict[str, str]]:
    """A county with a published lesson, a meeting, a notification and a token for its
    county admin (every role reaches below), so ids 1, 2, 3 … exist and are reachable."""
    branch = make_branch(county)
    published_lesson(org=county.branch_a1, author=county.member_a1.user, title="矿灯下的初心")
    plan(branch)
    notify(users=[county.county_admin], title="请审核会议记录")
    yield TokenClient("county_admin").auth


@schema.parametrize()
@FUZZ
def test_api_anonymous(case, seeded):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_with_token(case, seeded):
    case.call_and_validate(headers=seeded, checks=CHECKS)
