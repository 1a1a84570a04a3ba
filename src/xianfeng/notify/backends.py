"""Channel backends: one small class per provider with `send(message) -> external_id`,
raising DeliveryError with a Chinese reason the sender will read ("短信平台返回 500 …").

    email     Django's mail (XF_EMAIL_URL; the console backend without it)
    sms       a generic HTTP JSON provider (XF_SMS_URL, XF_SMS_KEY), or the console
    wechat    公众号 template messages to an openid (access token cached), or the console
    wecom     企业微信 group robot (key per org), or the console
    dingtalk  钉钉 group robot (access_token + signing secret per org), or the console

Apprise was considered: its DingTalk plugin treats any HTTP 200 as sent although the
robot answers 200 with an errcode (a wrong signature passes as sent), its "wechat" is 企业微信
application messages rather than 公众号 template messages, and it returns a bool without a
reason. Each provider here is a page of code and tested against a local fake server.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection, make_msgid

from xianfeng.notify.enums import Channel
from xianfeng.notify.timing import zone

log = logging.getLogger("xianfeng.notify")
TIMEOUT = 10  # seconds per provider request


class DeliveryError(Exception):
    """The provider refused or could not be reached; `reason` is shown to the sender."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        # Retrying cannot help (no address, the person unfollowed the 公众号).
        self.final = final


@dataclass(frozen=True)
class Webhook:
    """A group robot of an org's work group (from the org's notification policy)."""

    org_name: str
    key: str  # 企业微信 key, or 钉钉 access_token
    secret: str = ""  # 钉钉 signing secret (加签)


@dataclass(frozen=True)
class Message:
    channel: str
    title: str
    body: str
    url: str  # absolute, or empty
    kind: str = ""
    to: str = ""  # address, phone or openid
    name: str = ""  # the person's name, for a salutation
    mentions: tuple[str, ...] = ()  # phones to @ in a group robot's post
    webhook: Webhook | None = None
    created_at: datetime.datetime = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC)
    )
    ref: str = ""  # our id for the provider (an idempotency key)


class Backend(Protocol):
    def send(self, message: Message) -> str: ...


def text_of(message: Message) -> str:
    """Plain text of a message for robots and the console."""
    parts = [f"【{settings.SITE_NAME}】{message.title}"]
    if message.body:
        parts.append(message.body)
    if message.url:
        parts.append(message.url)
    return "\n".join(parts)


# --- console ------------------------------------------------------------------------------


class ConsoleBackend:
    """The embedded default: the message goes to the worker's log, and counts as sent."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: Message) -> str:
        target = message.to or (message.webhook.org_name if message.webhook else "")
        mentions = f" @{' @'.join(message.mentions)}" if message.mentions else ""
        log.info(
            "[%s → %s%s] %s",
            Channel(self.channel).label,
            target,
            mentions,
            text_of(message).replace("\n", " | "),
        )
        return f"console-{uuid.uuid4().hex[:12]}"


# --- e-mail ---------------------------------------------------------------------------------


class EmailBackend:
    """Django's mail: SMTP with XF_EMAIL_URL, the console without. One connection serves
    every message of a run (close() ends it)."""

    def __init__(self) -> None:
        self.connection: Any = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (smtplib.SMTPException, OSError):
                log.warning("notify: closing the mail connection failed", exc_info=True)
            self.connection = None

    def send(self, message: Message) -> str:
        if not message.to:
            raise DeliveryError("未填写邮箱", final=True)
        greeting = f"{message.name} 同志：\n\n" if message.name else ""
        link = f"\n\n详情：{message.url}" if message.url else ""
        msgid = make_msgid(domain="xianfeng")
        email = EmailMessage(
            subject=f"【{settings.SITE_NAME}】{message.title}",
            body=f"{greeting}{message.body or message.title}{link}\n\n—— 先锋党员教育平台",
            to=[message.to],
            headers={"Message-ID": msgid},
        )
        try:
            if self.connection is None:
                self.connection = get_connection()
                # Opened here, so Django's send() leaves it open for the next message.
                self.connection.open()
            email.connection = self.connection
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            # 5xx is permanent (no such mailbox, refused); 4xx may pass later.
            raise DeliveryError(f"邮件被拒收：{code} {_text(reply)}", final=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"邮件服务器拒绝：{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # a broken connection is dialled again for the next message
            raise DeliveryError(f"无法连接邮件服务器：{exc}") from exc
        return msgid


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


# --- HTTP -------------------------------------------------------------------------------------


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    provider: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST JSON and parse the JSON answer; any failure is a DeliveryError naming the
    provider ("短信平台返回 500：…")."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"{provider}地址无效")
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (http/https checked above)
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = _reason(exc.read()[:500])
        # A 4xx says the request itself is wrong (an unknown number, a bad key): sending it
        # again cannot help, except after a timeout or a rate limit.
        final = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(
            f"{provider}返回 {exc.code}：{detail}".rstrip("："), final=final
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"无法连接{provider}：{reason}") from exc
    if not raw:
        return {}
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise DeliveryError(f"{provider}的应答不是 JSON：{raw[:100]!r}") from exc
    return answer if isinstance(answer, dict) else {}


def _reason(raw: bytes) -> str:
    """A provider's error body, made readable: the message of a JSON error, else the text."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return raw[:200].decode(errors="replace").strip()
    if isinstance(answer, dict):
        for key in ("message", "msg", "errmsg", "error", "detail"):
            if isinstance(answer.get(key), str):
                return str(answer[key])[:200]
    return json.dumps(answer, ensure_ascii=False)[:200]


class SmsBackend:
    """A generic HTTP JSON SMS provider (or a small relay in front of a real one):

        POST XF_SMS_URL
        Authorization: Bearer XF_SMS_KEY
        {"to": "13900000006", "sign": "先锋", "text": "会议通知：… http://…", "ref": "xf-42"}

    Any 2xx is accepted; {"id": "…"} in the answer is kept as the provider's message id.
    `ref` is ours and the same on a retry, so the provider can drop a duplicate.
    """

    def send(self, message: Message) -> str:
        if not message.to:
            raise DeliveryError("没有手机号", final=True)
        headers = {}
        if settings.NOTIFY_SMS_KEY:
            headers["Authorization"] = f"Bearer {settings.NOTIFY_SMS_KEY}"
        answer = post_json(
            settings.NOTIFY_SMS_URL,
            {
                "to": message.to,
                "sign": settings.NOTIFY_SMS_SIGN,
                "text": sms_text(message),
                "ref": message.ref,
            },
            provider="短信平台",
            headers=headers,
        )
        return str(answer.get("id", ""))[:120]


def sms_text(message: Message) -> str:
    """Short: the title, the first line of the body (60 characters), the link."""
    first = message.body.strip().split("\n", 1)[0][:60] if message.body else ""
    text = f"{message.title}：{first}" if first else message.title
    return f"{text} {message.url}".strip()


# --- WeChat 公众号 template messages ------------------------------------------------------------

TOKEN_CACHE_KEY = "notify:wechat:access_token"
# errcodes meaning the access token is no longer good: fetch a new one and try once more.
TOKEN_ERRORS = {40001, 40014, 42001}
WECHAT_ERRORS = {
    43004: "对方未关注公众号",
    40003: "openid 无效",
    40037: "模板 ID 无效",
    43101: "对方拒收此模板消息",
}


class WeChatBackend:
    """Template messages of a 公众号 to a person's openid; the access token comes from
    /cgi-bin/stable_token and is cached until five minutes before it expires."""

    def send(self, message: Message) -> str:
        if not message.to:
            raise DeliveryError("未绑定微信公众号", final=True)
        answer = self._send(message, self._token())
        if answer.get("errcode") in TOKEN_ERRORS:
            cache.delete(TOKEN_CACHE_KEY)
            answer = self._send(message, self._token(force=True))
        code = answer.get("errcode", 0)
        if code:
            reason = WECHAT_ERRORS.get(code, str(answer.get("errmsg", "")))
            raise DeliveryError(f"公众号返回 {code}：{reason}", final=code in (43004, 43101, 40003))
        return str(answer.get("msgid", ""))[:120]

    def _token(self, *, force: bool = False) -> str:
        token = None if force else cache.get(TOKEN_CACHE_KEY)
        if token:
            return str(token)
        answer = post_json(
            f"{settings.NOTIFY_WECHAT_API}/cgi-bin/stable_token",
            {
                "grant_type": "client_credential",
                "appid": settings.NOTIFY_WECHAT_APPID,
                "secret": settings.NOTIFY_WECHAT_SECRET,
                "force_refresh": force,
            },
            provider="公众号接口",
        )
        token = answer.get("access_token")
        if not token:
            raise DeliveryError(
                f"公众号 access_token 获取失败：{answer.get('errcode')} {answer.get('errmsg', '')}"
            )
        expires = int(answer.get("expires_in", 7200))
        cache.set(TOKEN_CACHE_KEY, token, max(60, expires - 300))
        return str(token)

    def _send(self, message: Message, token: str) -> dict[str, Any]:
        query = urllib.parse.urlencode({"access_token": token})
        payload: dict[str, Any] = {
            "touser": message.to,
            "template_id": settings.NOTIFY_WECHAT_TEMPLATE_ID,
            "data": template_data(message),
        }
        if message.url:
            payload["url"] = message.url
        return post_json(
            f"{settings.NOTIFY_WECHAT_API}/cgi-bin/message/template/send?{query}",
            payload,
            provider="公众号接口",
        )


def template_data(message: Message) -> dict[str, dict[str, str]]:
    """The template's keys filled as XF_WECHAT_TEMPLATE_FIELDS says; a `thing` holds at
    most 20 characters."""
    local = message.created_at.astimezone(zone())
    sources = {
        "title": message.title,
        "body": message.body.strip().split("\n", 1)[0] if message.body else message.title,
        "time": f"{local:%Y年%m月%d日 %H:%M}",
        "kind": message.kind,
    }
    data = {}
    for spec in settings.NOTIFY_WECHAT_FIELDS:
        key, _, source = spec.partition("=")
        value = sources[source]
        if key.startswith("thing"):
            value = value[:20]
        data[key] = {"value": value}
    return data


# --- group robots -----------------------------------------------------------------------------


class WeComRobotBackend:
    """企业微信 group robot: POST …/webhook/send?key=KEY, @ people by their phones."""

    def send(self, message: Message) -> str:
        if message.webhook is None:
            raise DeliveryError("所在组织未设置企业微信群机器人", final=True)
        query = urllib.parse.urlencode({"key": message.webhook.key})
        text: dict[str, Any] = {"content": text_of(message)}
        if message.mentions:
            text["mentioned_mobile_list"] = list(message.mentions)
        answer = post_json(
            f"{settings.NOTIFY_WECOM_URL}?{query}",
            {"msgtype": "text", "text": text},
            provider="企业微信",
        )
        _robot_check(answer, "企业微信")
        return ""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret"))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobotBackend:
    """钉钉 group robot: POST …/robot/send?access_token=…&timestamp=…&sign=…; the people
    are @-mentioned by phone (the text must name them too, or 钉钉 shows no mention)."""

    def send(self, message: Message) -> str:
        if message.webhook is None:
            raise DeliveryError("所在组织未设置钉钉群机器人", final=True)
        params = {"access_token": message.webhook.key}
        if message.webhook.secret:
            stamp = int(time.time() * 1000)
            params["timestamp"] = str(stamp)
            params["sign"] = dingtalk_sign(message.webhook.secret, stamp)
        content = text_of(message)
        if message.mentions:
            content += "\n" + " ".join(f"@{m}" for m in message.mentions)
        answer = post_json(
            f"{settings.NOTIFY_DINGTALK_URL}?{urllib.parse.urlencode(params)}",
            {
                "msgtype": "text",
                "text": {"content": content},
                "at": {"atMobiles": list(message.mentions), "isAtAll": False},
            },
            provider="钉钉",
        )
        _robot_check(answer, "钉钉")
        return ""


def _robot_check(answer: dict[str, Any], provider: str) -> None:
    # Both robots answer HTTP 200 with an errcode when they refuse (bad key, bad sign).
    code = answer.get("errcode", 0)
    if code:
        raise DeliveryError(f"{provider}返回 {code}：{answer.get('errmsg', '')}")


# --- choosing -----------------------------------------------------------------------------------

_LIVE: dict[str, type[Backend]] = {
    Channel.SMS: SmsBackend,
    Channel.WECHAT: WeChatBackend,
    Channel.WECOM: WeComRobotBackend,
    Channel.DINGTALK: DingTalkRobotBackend,
}
_SETTING: dict[str, str] = {
    Channel.SMS: "NOTIFY_SMS_BACKEND",
    Channel.WECHAT: "NOTIFY_WECHAT_BACKEND",
    Channel.WECOM: "NOTIFY_WECOM_BACKEND",
    Channel.DINGTALK: "NOTIFY_DINGTALK_BACKEND",
}


def backend_for(channel: str) -> Backend:
    """The backend the settings choose for `channel`."""
    if channel == Channel.EMAIL:
        return EmailBackend()
    if getattr(settings, _SETTING[channel]) == "http":
        return _LIVE[channel]()
    return ConsoleBackend(channel)
