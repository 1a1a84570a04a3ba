"""Errors reach Sentry (here a fake transport that keeps what would be sent) with phone
and ID numbers masked, the person by id only, no cookies or tokens, and the request id."""

from __future__ import annotations

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from tests.factories import UserFactory
from xianfeng.ops import sentry

pytestmark = pytest.mark.django_db
PHONE, ID_NUMBER = "13900000003", "11010119900307123X"


class Kept(Transport):
    """What the SDK would send, kept instead."""

    def __init__(self, options=None):  # type: ignore[no-untyped-def]
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:  # type: ignore[no-untyped-def]
        for item in envelope.items:
            if item.type == "event":
                self.events.append(json.loads(item.get_bytes()))


@pytest.fixture
def kept():
    transport = Kept()
    sentry.init(dsn="https://key@sentry.invalid/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # back to no client at all


def test_an_error_in_a_request_is_sent_without_phone_or_id_number(client, kept, monkeypatch):
    from xianfeng.common import views

    def broken(request):  # type: ignore[no-untyped-def]
        phone, id_number = PHONE, ID_NUMBER  # local variables are sent too
        raise RuntimeError(f"联系 {phone}，身份证 {id_number}")

    monkeypatch.setattr(views, "panels_for", broken)
    user = UserFactory(phone=PHONE)
    client.force_login(user)
    client.raise_request_exception = False
    response = client.get(
        "/", HTTP_X_REQUEST_ID="lb-0123456789ab", HTTP_AUTHORIZATION="Bearer secret-token"
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    (event,) = kept.events
    sent = json.dumps(event, ensure_ascii=False)
    assert PHONE not in sent and ID_NUMBER not in sent and "secret-token" not in sent
    assert "139****0003" in sent and "[身份证号]" in sent  # masked, not dropped
    (exception,) = event["exception"]["values"]
    assert exception["value"] == "联系 139****0003，身份证 [身份证号]"
    assert event["user"] == {"id": str(user.pk)}  # no name, phone, e-mail or IP address
    assert "cookies" not in event["request"]
    assert "sessionid" not in sent
    assert event["tags"]["request_id"] == "lb-0123456789ab"


def test_a_message_and_its_breadcrumbs_are_masked(kept):
    import logging

    logging.getLogger("xianfeng.notify").warning("短信发给 %s", PHONE)  # a breadcrumb
    sentry_sdk.capture_message(f"身份证 {ID_NUMBER} 核对失败")
    sentry_sdk.flush()
    (event,) = kept.events
    sent = json.dumps(event, ensure_ascii=False)
    assert PHONE not in sent and ID_NUMBER not in sent
    assert event["message"] == "身份证 [身份证号] 核对失败"


def test_without_a_dsn_nothing_is_set_up(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()
