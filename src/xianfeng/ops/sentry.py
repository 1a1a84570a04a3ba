"""Optional error reporting through the Sentry SDK (settings call `init` when
XF_SENTRY_DSN is set). Nothing personal leaves: no cookies, headers of identity, IP
addresses or form bodies (send_default_pii off, request bodies never), the person only by
id, and every string of the event — messages, exception values, local variables,
breadcrumbs — with phone and ID numbers masked as in the logs.

Imported from settings: only sentry_sdk at the top; the project's modules are imported
when an event is sent, long after Django has started.
"""

from __future__ import annotations

from typing import Any

# Request headers that identify a person or a session; dropped from every event.
SECRET_HEADERS = {"authorization", "cookie", "x-csrftoken", "x-forwarded-for", "x-real-ip"}


def init(*, dsn: str, environment: str, transport: Any = None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        transport=transport,
    )


def _scrubbed(value: Any) -> Any:
    from xianfeng.ops.logs import scrub

    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def before_send(event: Any, hint: Any) -> Any:
    """Mask phone and ID numbers everywhere in the event; name the person by id (and their
    org) only; tag the request id, so the event meets the log lines of the same request or
    task."""
    from xianfeng.common.tasking import request_id
    from xianfeng.ops.middleware import current_person

    request = event.get("request")
    if isinstance(request, dict):
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
    user_id, org_id = current_person()
    event["user"] = {"id": str(user_id)} if user_id is not None else {}
    event = _scrubbed(event)
    tags = event.setdefault("tags", {})
    tags["request_id"] = request_id.get()
    if org_id is not None:
        tags["org_id"] = str(org_id)
    return event


def before_breadcrumb(crumb: Any, hint: Any) -> Any:
    return _scrubbed(crumb)
