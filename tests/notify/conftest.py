"""People, an org tree with policies, and local fakes of every provider: an SMTP server
and an HTTP server that answers as the SMS platform, 公众号, 企业微信 and 钉钉 do."""

from __future__ import annotations

import datetime
import email
import email.policy
import json
import socketserver
import threading
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.factories import UserFactory
from xianfeng.people.models import User

SECRET = "李西街的私事：低保复核结果"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(hour: int, minute: int = 0, day: int = 10, month: int = 3) -> datetime.datetime:
    """A moment on 2026-03-10 (by default) in the site's time zone."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@dataclass
class People:
    zhang: User
    li: User


@pytest.fixture
def people(db) -> People:
    return People(
        zhang=UserFactory(username="zhang", name="张东街", phone="13900000101"),
        li=UserFactory(username="li", name="李西街", phone="13900000102"),
    )


# --- a fake HTTP provider ---------------------------------------------------------------------


@dataclass
class Seen:
    """One request the fake provider received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    """A local HTTP server standing in for the SMS platform, 公众号, 企业微信 and 钉钉.

    Each path answers 200 with {"errcode": 0, "errmsg": "ok"} unless answers were queued
    for it with `reply(path, (status, body), …)`, used in order.
    """

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def reply(self, path: str, *answers: tuple[int, Any]) -> None:
        self.answers.setdefault(path, []).extend(answers)

    def posts(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


class _Handler(BaseHTTPRequestHandler):
    provider: FakeProvider

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        self.provider.seen.append(
            Seen(
                method="POST",
                path=parts.path,
                query=dict(urllib.parse.parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw) if raw else None,
            )
        )
        queued = self.provider.answers.get(parts.path)
        status, body = queued.pop(0) if queued else (200, {"errcode": 0, "errmsg": "ok"})
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet in the test output
        pass


SMS_PATH = "/sms/send"
WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"
WECHAT_TOKEN_PATH = "/cgi-bin/stable_token"
WECHAT_SEND_PATH = "/cgi-bin/message/template/send"


@pytest.fixture
def provider(settings):
    """Every channel switched to "http" and pointed at one local fake provider."""
    fake = FakeProvider()
    handler = type("Handler", (_Handler,), {"provider": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_SMS_BACKEND = "http"
    settings.NOTIFY_SMS_URL = fake.url + SMS_PATH
    settings.NOTIFY_SMS_KEY = "sms-key-123"
    settings.NOTIFY_SMS_SIGN = "先锋"
    settings.NOTIFY_WECHAT_BACKEND = "http"
    settings.NOTIFY_WECHAT_API = fake.url
    settings.NOTIFY_WECHAT_APPID = "wx-app-1"
    settings.NOTIFY_WECHAT_SECRET = "wx-secret-1"
    settings.NOTIFY_WECHAT_TEMPLATE_ID = "TPL-MEETING"
    settings.NOTIFY_WECHAT_FIELDS = ["thing1=title", "time2=time", "thing3=body"]
    settings.NOTIFY_WECOM_BACKEND = "http"
    settings.NOTIFY_WECOM_URL = fake.url + WECOM_PATH
    settings.NOTIFY_DINGTALK_BACKEND = "http"
    settings.NOTIFY_DINGTALK_URL = fake.url + DINGTALK_PATH
    settings.SITE_URL = "https://xf.example.cn"
    from django.core.cache import cache

    from xianfeng.notify.backends import TOKEN_CACHE_KEY

    cache.delete(TOKEN_CACHE_KEY)
    yield fake
    server.shutdown()
    server.server_close()
    cache.delete(TOKEN_CACHE_KEY)


# --- a fake SMTP server -------------------------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage


@dataclass
class FakeSmtp:
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    connections: int = 0


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    smtp: FakeSmtp

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.smtp.connections += 1
        self._say("220 fake.smtp ESMTP")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command.upper()
            if verb.startswith("EHLO"):
                self._say("250-fake.smtp")
                self._say("250 8BITMIME")
            elif verb.startswith("HELO"):
                self._say("250 fake.smtp")
            elif verb.startswith("MAIL FROM:"):
                sender, recipients = command[10:].split()[0].strip("<>"), []
                self._say("250 OK")
            elif verb.startswith("RCPT TO:"):
                address = command[8:].split()[0].strip("<>")
                if address in self.smtp.refuse:
                    self._say("550 5.2.2 Mailbox full")
                else:
                    recipients.append(address)
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                self.smtp.received.append(Received(sender, recipients, message))  # type: ignore[arg-type]
                self._say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a local port; Django's SMTP backend pointed at it."""
    fake = FakeSmtp()
    handler = type("SmtpHandler", (_SmtpHandler,), {"smtp": fake})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = fake.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "先锋 <noreply@xf.example.cn>"
    settings.SITE_URL = "https://xf.example.cn"
    yield fake
    server.shutdown()
    server.server_close()
