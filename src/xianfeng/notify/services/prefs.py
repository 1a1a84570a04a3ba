"""A person's choices (channels per kind, quiet hours, digest) and an org's policy
(channels allowed in its subtree, its work groups' robots)."""

from __future__ import annotations

import datetime
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.notify import contacts, kinds, selectors
from xianfeng.notify.backends import DeliveryError, Message, backend_for
from xianfeng.notify.enums import EXTERNAL, Allow, Channel
from xianfeng.notify.models import OrgPolicy, Prefs
from xianfeng.notify.timing import Quiet
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_admin_org

if TYPE_CHECKING:  # notify sits below people: the type only
    from xianfeng.people.models import User

OPENID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
ROBOT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
KEEP: Any = object()  # "leave as it is" for optional arguments


def prefs_update(
    *,
    user: Any,
    channels: Mapping[str, Iterable[str]] | None = None,
    quiet_start: datetime.time | None = KEEP,
    quiet_end: datetime.time | None = KEEP,
    digest: bool | None = None,
    digest_hour: int | None = None,
    wechat_openid: str | None = None,
    email: str | None = None,
) -> Prefs:
    """Save the person's choices; what is not given stays as it was.

    `channels` maps kinds to the external channels wanted. Only channels the person's org
    allows can be chosen; for the others the earlier choice (or the kind's default) is
    kept, so when the org allows one later it works as the kind intends.
    """
    view = selectors.settings_view(user)
    allowed = view.allowed
    with transaction.atomic():
        prefs, _ = Prefs.objects.select_for_update().get_or_create(user_id=user.pk)
        changed: dict[str, Any] = {}
        if channels is not None:
            stored = dict(prefs.channels or {})
            for key, wanted in channels.items():
                if not kinds.is_registered(key):
                    raise Refused(f"没有这类通知：{key}", field="channels")
                chosen = {str(c) for c in wanted} - {Channel.INAPP}
                unknown = chosen - set(EXTERNAL)
                if unknown:
                    names = "、".join(sorted(unknown))
                    raise Refused(f"没有这种接收方式：{names}", field="channels")
                refused = chosen - allowed
                if refused:
                    labels = "、".join(str(Channel(c).label) for c in sorted(refused))
                    raise Refused(f"所在组织未开通{labels}通知", field="channels")
                before = selectors.chosen_channels(prefs, kinds.get(key))
                stored[key] = sorted(chosen | (before - allowed))
            prefs.channels = stored
            changed["channels"] = len(channels)
        if quiet_start is not KEEP or quiet_end is not KEEP:
            start = prefs.quiet_start if quiet_start is KEEP else quiet_start
            end = prefs.quiet_end if quiet_end is KEEP else quiet_end
            if (start is None) != (end is None):
                raise Refused("请同时填写免打扰的开始和结束时间", field="quiet_start")
            if start is not None and start == end:
                raise Refused("免打扰的开始和结束时间不能相同", field="quiet_end")
            prefs.quiet_start, prefs.quiet_end = start, end
            changed["quiet"] = f"{start:%H:%M}-{end:%H:%M}" if start and end else ""
        if digest_hour is not None:
            if not 0 <= digest_hour <= 23:
                raise Refused("汇总时间应为 0–23 点", field="digest_hour")
            prefs.digest_hour = digest_hour
        if digest is not None:
            prefs.digest = digest
        if prefs.digest and Quiet(prefs.quiet_start, prefs.quiet_end).covers(
            datetime.time(prefs.digest_hour)
        ):
            raise Refused("每日汇总的时间在免打扰时段内，请另选时间", field="digest_hour")
        changed["digest"] = prefs.digest_hour if prefs.digest else None
        if wechat_openid is not None:
            openid = wechat_openid.strip()
            if openid and not OPENID.match(openid):
                raise Refused("公众号 openid 格式不正确", field="wechat_openid")
            prefs.wechat_openid = openid
            changed["wechat"] = bool(openid)
        prefs.save()
        if email is not None and email.strip() != user.email:
            contacts.set_email(user=user, email=email)
        audit_log(actor=user, action="notify.prefs", obj=prefs, data=changed)
    return prefs


def org_policy_update(
    *,
    actor: User,
    org: Org,
    channels: Mapping[str, str],
    wecom_key: str | None = None,
    dingtalk_token: str | None = None,
    dingtalk_secret: str | None = None,
) -> OrgPolicy:
    """Set which channels `org` allows its subtree (on, off, or as the org above) and its
    work groups' robots (None: unchanged, "": removed). A robot may be pasted as the whole
    address the group shows; only its key is kept."""
    if not can_admin_org(actor, org):
        raise PermissionDenied("只有本组织或上级组织的管理员可以修改通知设置")
    for channel, word in channels.items():
        if channel not in EXTERNAL:
            raise Refused(f"没有这种接收方式：{channel}", field="channels")
        if word not in Allow.values:
            raise Refused("请选择允许、不允许或同上级", field=channel)
    with transaction.atomic():
        policy, _ = OrgPolicy.objects.select_for_update().get_or_create(org=org)
        for channel, word in channels.items():
            setattr(policy, channel, word)
        if wecom_key is not None:
            policy.wecom_key = _robot_key(wecom_key, "key", "企业微信群机器人")
        if dingtalk_token is not None:
            policy.dingtalk_token = _robot_key(dingtalk_token, "access_token", "钉钉群机器人")
            if not policy.dingtalk_token:
                policy.dingtalk_secret = ""
        if dingtalk_secret is not None:
            secret = dingtalk_secret.strip()
            if secret and not ROBOT_KEY.match(secret):
                raise Refused("钉钉加签密钥格式不正确（以 SEC 开头）", field="dingtalk_secret")
            policy.dingtalk_secret = secret
        policy.updated_by = actor
        policy.save()
        audit_log(
            actor=actor,
            action="notify.org_policy",
            obj=policy,
            org=org,
            data={
                **{c: getattr(policy, c) for c in EXTERNAL},
                "wecom": bool(policy.wecom_key),
                "dingtalk": bool(policy.dingtalk_token),
            },
        )
    return policy


def _robot_key(value: str, param: str, name: str) -> str:
    """The key of a robot, from the key itself or from the whole address."""
    value = value.strip()
    if not value:
        return ""
    if "://" in value or "?" in value:
        query = urllib.parse.urlsplit(value).query
        found = urllib.parse.parse_qs(query).get(param, [""])[0]
        if not found:
            raise Refused(f"{name}地址中没有 {param}", field=param)
        value = found
    if not ROBOT_KEY.match(value):
        raise Refused(f"{name}的 {param} 格式不正确", field=param)
    return value


def org_robot_test(*, actor: User, org: Org, channel: str) -> str:
    """Post a test message through the org's robot at once; the provider's refusal comes
    back as a Refused with its reason."""
    if not can_admin_org(actor, org):
        raise PermissionDenied("只有本组织或上级组织的管理员可以发送测试消息")
    if channel not in (Channel.WECOM, Channel.DINGTALK):
        raise Refused("只有群机器人可以发送测试消息")
    policies = selectors.policies_along([org.path])
    webhook = selectors.webhook_for(org.path, policies, channel)
    if webhook is None:
        raise Refused(f"尚未设置{Channel(channel).label}机器人")
    message = Message(
        channel=channel,
        title="测试消息",
        body=f"{org.name}的通知机器人已接通（{actor.name} 发送）。",
        url="",
        webhook=webhook,
    )
    try:
        backend_for(channel).send(message)
    except DeliveryError as exc:
        raise Refused(exc.reason) from exc
    audit_log(actor=actor, action="notify.robot_test", obj=org, org=org, data={"channel": channel})
    return f"测试消息已发往{webhook.org_name}的{Channel(channel).label}"
