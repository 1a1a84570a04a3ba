"""Writes of the remote app: sites, suspensions, devices, heartbeats, targets."""

from __future__ import annotations

import datetime
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common import pagecache
from xianfeng.common.db.prepared import prepared_cursor
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.remote import counting
from xianfeng.remote.enums import SiteKind
from xianfeng.remote.models import (
    DeviceToken,
    PairingRequest,
    RemoteTarget,
    Site,
    SiteDay,
    SiteSuspension,
)

if TYPE_CHECKING:
    from xianfeng.people.models import User

DEVICE_TOKEN_PREFIX = "xfd_"


def device_key_digest(key: str) -> str:
    """What is stored of a device token (SHA-256: the keys are long and random)."""
    return hashlib.sha256(key.encode()).hexdigest()


# --- sites ------------------------------------------------------------------------------


def site_create(
    *,
    actor: User | None,
    org: Org,
    code: str,
    name: str,
    kind: str = SiteKind.VILLAGE,
    address: str = "",
    equipment: str = "",
    service_start: datetime.date | None = None,
) -> Site:
    """Register a terminal site of an org."""
    code = clean_text(code, multiline=False).strip()
    name = clean_text(name, multiline=False).strip()
    if not code:
        raise Refused("请填写站点编码", field="code")
    if not name:
        raise Refused("请填写站点名称", field="name")
    if kind not in SiteKind.values:
        raise Refused("站点类型不正确", field="kind")
    with transaction.atomic():
        if Site.objects.filter(code=code).exists():
            raise Refused(f"站点编码“{code}”已被使用", field="code")
        site = Site(
            org=org,
            code=code,
            name=name,
            kind=kind,
            address=clean_text(address, multiline=False).strip(),
            equipment=clean_text(equipment, multiline=False).strip(),
            service_start=service_start or timezone.localdate(),
        )
        site.full_clean(exclude=["org"])
        site.save()
        audit_log(actor=actor, action="site.create", obj=site, org=org, data={"code": code})
    return site


def site_admin_grant(*, actor: User | None, site: Site, user: User) -> Role:
    """Make a person 站点管理员 at the site's org (the existing role; idempotent)."""
    with transaction.atomic():
        role, created = Role.objects.get_or_create(
            user=user, org=site.org, kind=RoleKind.SITE_ADMIN, defaults={"granted_by": actor}
        )
        if created:
            audit_log(
                actor=actor, action="role.grant", obj=role, org=site.org, data={"site": site.code}
            )
    return role


def site_suspend(
    *,
    actor: User | None,
    site: Site,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
) -> SiteSuspension:
    """Record a 停用 period; its days leave the site's figures."""
    reason = clean_text(reason, multiline=False).strip()
    if not reason:
        raise Refused("请填写停用原因", field="reason")
    if ends_on < starts_on:
        raise Refused("停用结束日期不能早于开始日期", field="ends_on")
    with transaction.atomic():
        overlapping = site.suspensions.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
        if overlapping.exists():
            raise Refused("与已有的停用期重叠", field="starts_on")
        suspension = SiteSuspension.objects.create(
            site=site, starts_on=starts_on, ends_on=ends_on, reason=reason, created_by=actor
        )
        audit_log(
            actor=actor,
            action="site.suspend",
            obj=suspension,
            org=site.org,
            data={"site": site.code, "from": starts_on, "to": ends_on},
        )
    return suspension


def target_set(
    *, actor: User | None, org: Org, min_viewings: int, min_hours: int, boot_rate_pct: int
) -> RemoteTarget:
    """Set the monthly targets of the sites in an org's subtree."""
    if not 0 <= boot_rate_pct <= 100:
        raise Refused("开机率目标须在 0 到 100 之间", field="boot_rate_pct")
    with transaction.atomic():
        target, _ = RemoteTarget.objects.update_or_create(
            org=org,
            defaults={
                "min_viewings": min_viewings,
                "min_hours": min_hours,
                "boot_rate_pct": boot_rate_pct,
            },
        )
        audit_log(
            actor=actor,
            action="remote_target.set",
            obj=target,
            org=org,
            data={"viewings": min_viewings, "hours": min_hours, "rate": boot_rate_pct},
        )
    return target


# --- devices ----------------------------------------------------------------------------


def device_token_issue(
    *, actor: User | None, site: Site, label: str = ""
) -> tuple[DeviceToken, str]:
    """A new device token for a site; the key is shown once and only its hash kept."""
    key = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    label = clean_text(label, multiline=False).strip()[:100] or "终端设备"
    with transaction.atomic():
        device = DeviceToken.objects.create(
            site=site, key_hash=device_key_digest(key), label=label, created_by=actor
        )
        events.publish(
            "device.paired",
            actor=actor,
            obj=device,
            org=site.org,
            data={"site_id": site.pk, "label": label},
        )
    return device, key


def device_token_revoke(*, actor: User | None, device: DeviceToken) -> DeviceToken:
    """Revoke a device token: its later beats and requests are refused (idempotent)."""
    with transaction.atomic():
        device = DeviceToken.objects.select_for_update().select_related("site").get(pk=device.pk)
        if device.revoked_at is not None:
            return device
        device.revoked_at = timezone.now()
        device.revoked_by = actor
        device.save(update_fields=["revoked_at", "revoked_by"])
        events.publish(
            "device.revoked",
            actor=actor,
            obj=device,
            org=device.site.org,
            data={"site_id": device.site_id},
        )
    return device


class DeviceRefused(Refused):
    """A device token that is unknown or revoked (the API answers 401 with the reason)."""


# A device's last-seen time is written at most this often.
SEEN_EVERY = datetime.timedelta(minutes=1)


def _stale_seen(device: DeviceToken, now: datetime.datetime) -> bool:
    return device.last_seen_at is None or now - device.last_seen_at > SEEN_EVERY


def _touch(device: DeviceToken, now: datetime.datetime) -> None:
    DeviceToken.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now


def device_for_key(
    key: str, *, now: datetime.datetime | None = None, touch: bool = True
) -> DeviceToken:
    """The device holding this token, or DeviceRefused with the reason. `touch=False`
    leaves its last-seen time to the caller (a heartbeat writes it with the beat)."""
    if not key:
        raise DeviceRefused("缺少设备令牌")
    device = (
        DeviceToken.objects.select_related("site").filter(key_hash=device_key_digest(key)).first()
    )
    if device is None:
        raise DeviceRefused("设备令牌无效，请重新配对")
    if device.revoked_at is not None:
        raise DeviceRefused("设备令牌已撤销，请重新配对")
    now = now or timezone.now()
    if touch and _stale_seen(device, now):
        _touch(device, now)
    return device


# --- heartbeats -------------------------------------------------------------------------


@dataclass(frozen=True)
class BeatResult:
    day: datetime.date
    slot: int
    slots_today: int


def _fold_sql(word: int, *, site_too: bool = False) -> str:
    # Built from the models' table names and a word index 0–4, never from input; the
    # values go as parameters. The same statement runs on SQLite (≥ 3.35) and PostgreSQL;
    # with `site_too` (PostgreSQL only: data-modifying WITHs) it also moves the site's
    # last beat and the device's last-seen time forward, so a beat is one statement, one
    # round trip, one transaction.
    if word not in range(counting.WORDS):
        raise ValueError(word)
    table = SiteDay._meta.db_table
    w = f"w{word}"
    site = ""
    if site_too:
        sites, devices = Site._meta.db_table, DeviceToken._meta.db_table
        site = (
            f"WITH moved AS (UPDATE {sites} SET last_beat_at = %s "  # noqa: S608
            f"WHERE id = %s AND (last_beat_at IS NULL OR last_beat_at < %s)), "
            f"seen AS (UPDATE {devices} SET last_seen_at = %s "
            f"WHERE id = %s AND (last_seen_at IS NULL OR last_seen_at < %s)) "
        )
    return pagecache.QUIET + (
        f"{site}INSERT INTO {table} (site_id, day, w0, w1, w2, w3, w4, slots, beats) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, %s, %s, %s, 1, 1) "
        f"ON CONFLICT (site_id, day) DO UPDATE SET "
        f"{w} = {table}.{w} | excluded.{w}, "
        f"slots = {table}.slots + CASE WHEN ({table}.{w} & excluded.{w}) = 0 THEN 1 ELSE 0 END, "
        f"beats = {table}.beats + 1 "
        f"RETURNING slots"
    )


def _beat_refusal(at: datetime.datetime, now: datetime.datetime) -> Refused | None:
    if at.tzinfo is None:
        return Refused("心跳时间须带时区，例如 2026-12-01T19:05:00+08:00", field="at")
    if at > now + counting.MAX_AHEAD:
        return Refused("心跳时间比服务器时间晚 5 分钟以上，请校准设备时钟", field="at")
    if at < now - counting.MAX_LATE:
        return Refused("心跳时间早于 7 天前，不再计入", field="at")
    return None


def heartbeat_record(
    *,
    device: DeviceToken,
    at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> BeatResult:
    """Fold one heartbeat of a paired device into its site's day (one UPSERT: the slot's
    bit is OR-ed in and the day's slot count grows only when the bit was new, so
    duplicates, retries and out-of-order queued beats count once). A beat more than five
    minutes ahead of the server's clock or more than seven days old is refused, and
    nothing is stored."""
    now = now or timezone.now()
    at = at or now
    refusal = _beat_refusal(at, now)
    touch = _stale_seen(device, now)
    if refusal is not None:
        if touch:  # a refused beat still shows the device alive
            _touch(device, now)
        raise refusal
    slot = counting.slot_of(at)
    words = [0] * counting.WORDS
    words[slot.word] = slot.bit
    params: list[Any] = [device.site_id, slot.day, *words]
    if connection.vendor == "postgresql":
        # One statement: its own transaction, one round trip (no BEGIN and COMMIT). The
        # newest beat's own time (a queued older beat does not move it back); the
        # device's last-seen time, written at most once a minute as before.
        never = datetime.datetime.min.replace(tzinfo=datetime.UTC)
        seen_before = now - SEEN_EVERY if touch else never
        with connection.cursor() as cursor:
            cursor.execute(
                _fold_sql(slot.word, site_too=True),
                [at, device.site_id, at, now, device.pk, seen_before, *params],
            )
            (slots_today,) = cursor.fetchone()
        if touch:
            device.last_seen_at = now
        return BeatResult(day=slot.day, slot=slot.index, slots_today=int(slots_today))
    with transaction.atomic():
        if touch:
            _touch(device, now)
        with connection.cursor() as cursor:
            cursor.execute(_fold_sql(slot.word), params)
            (slots_today,) = cursor.fetchone()
        # The newest beat's own time; a queued older beat does not move it back.
        Site.objects.filter(pk=device.site_id).filter(
            Q(last_beat_at__isnull=True) | Q(last_beat_at__lt=at)
        ).update(last_beat_at=at)
    return BeatResult(day=slot.day, slot=slot.index, slots_today=int(slots_today))


@functools.cache
def _keyed_fold_sql(word: int) -> str:
    # PostgreSQL only (data-modifying WITHs). The token's lookup, the day row's UPSERT, the
    # site's last beat and the device's last-seen time in one statement: a live token
    # (not revoked) yields one row, the code of its site and the day's slot count; an
    # unknown or revoked one yields none and writes nothing. Built from the models' table
    # names and a word index 0–4, never from input; the values go as parameters.
    if word not in range(counting.WORDS):
        raise ValueError(word)
    table, sites, devices = (
        SiteDay._meta.db_table,
        Site._meta.db_table,
        DeviceToken._meta.db_table,
    )
    w = f"w{word}"
    return pagecache.QUIET + (  # noqa: S608
        f"WITH dev AS (SELECT d.id, d.site_id, s.code FROM {devices} d "  # noqa: S608
        f"JOIN {sites} s ON s.id = d.site_id "
        f"WHERE d.key_hash = %s AND d.revoked_at IS NULL), "
        f"moved AS (UPDATE {sites} SET last_beat_at = %s "
        f"WHERE id = (SELECT site_id FROM dev) AND (last_beat_at IS NULL OR last_beat_at < %s)), "
        f"seen AS (UPDATE {devices} SET last_seen_at = %s "
        f"WHERE id = (SELECT id FROM dev) AND (last_seen_at IS NULL OR last_seen_at < %s)), "
        f"folded AS (INSERT INTO {table} (site_id, day, w0, w1, w2, w3, w4, slots, beats) "
        f"SELECT site_id, %s, %s, %s, %s, %s, %s, 1, 1 FROM dev "
        f"ON CONFLICT (site_id, day) DO UPDATE SET "
        f"{w} = {table}.{w} | excluded.{w}, "
        f"slots = {table}.slots + CASE WHEN ({table}.{w} & excluded.{w}) = 0 THEN 1 ELSE 0 END, "
        f"beats = {table}.beats + 1 "
        f"RETURNING slots) "
        # The commit of this one statement does not wait for the WAL flush (local to its
        # own transaction; nothing else on the connection changes): a beat is a sample
        # the box repeats within five minutes, and a flush per beat is what bounds the
        # rate on a busy disk. A PostgreSQL crash may lose the last fraction of a
        # second of beats; it never corrupts or half-writes one.
        f"SELECT dev.code, folded.slots, set_config('synchronous_commit', 'off', true) "
        f"FROM dev, folded"
    )


def heartbeat_for_key(
    *,
    key: str,
    at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> tuple[str, BeatResult]:
    """A heartbeat as the API receives it, by the device's token: the site's code and the
    fold (heartbeat_record's rules). DeviceRefused for a missing, unknown or revoked
    token before any time rule; Refused for a beat out of time, nothing stored.

    On PostgreSQL an accepted beat is one statement, token lookup included (the
    benchmark's 30,000 sites booting within 20 s); a refusal finds its reason with
    device_for_key. On SQLite the device, then heartbeat_record's transaction."""
    now = now or timezone.now()
    at = at or now
    if not key:
        raise DeviceRefused("缺少设备令牌")
    if connection.vendor != "postgresql" or _beat_refusal(at, now) is not None:
        device = device_for_key(key, now=now, touch=False)
        return device.site.code, heartbeat_record(device=device, at=at, now=now)
    from psycopg.types.numeric import Int8

    slot = counting.slot_of(at)
    # Always bigints: a prepared statement is kept per parameter types, and psycopg would
    # send a small bit as a smallint.
    words = [Int8(0)] * counting.WORDS
    words[slot.word] = Int8(slot.bit)
    # Prepared on a kept connection: planning the five parts was two thirds of the beat's
    # cost in PostgreSQL (common/db/prepared.py).
    with prepared_cursor() as cursor:
        cursor.execute(
            _keyed_fold_sql(slot.word),
            [device_key_digest(key), at, at, now, now - SEEN_EVERY, slot.day, *words],
        )
        row = cursor.fetchone()
    if row is None:  # unknown or revoked: the reason, then nothing was written
        device = device_for_key(key, now=now, touch=False)
        # Issued or un-revoked between the two reads (a race no client meets): beat again.
        return device.site.code, heartbeat_record(device=device, at=at, now=now)
    code, slots_today, _ = row
    return str(code), BeatResult(day=slot.day, slot=slot.index, slots_today=int(slots_today))


# --- pairing (device-code flow) ------------------------------------------------------------

PAIRING_MINUTES = 10
# No 0/O, 1/I/L: read off a TV across a room and typed on a phone.
USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
USER_CODE_LENGTH = 8


def normalize_user_code(text: str) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes, 0→O-free forms."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in folded if ch.isalnum())


def format_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def pairing_start(*, now: datetime.datetime | None = None) -> tuple[PairingRequest, str]:
    """A TV starts pairing: a short code to show and a secret device code to poll with."""
    now = now or timezone.now()
    device_code = secrets.token_urlsafe(32)
    for _attempt in range(5):
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        try:
            with transaction.atomic():
                request = PairingRequest.objects.create(
                    user_code=user_code,
                    device_hash=device_key_digest(device_code),
                    expires_at=now + datetime.timedelta(minutes=PAIRING_MINUTES),
                )
            return request, device_code
        except IntegrityError:
            continue
    raise Refused("暂时无法生成配对码，请稍后再试")


def pairing_for_code(user_code: str, *, now: datetime.datetime | None = None) -> PairingRequest:
    """The open pairing request with this code, or Refused with the reason."""
    now = now or timezone.now()
    code = normalize_user_code(user_code)
    request = PairingRequest.objects.filter(user_code=code).first() if code else None
    if request is None:
        raise Refused("配对码不正确，请核对电视上显示的配对码", field="code")
    if request.approved_at is not None:
        raise Refused("该配对码已经确认过了", field="code")
    if request.expires_at <= now:
        raise Refused("配对码已过期，请在电视上重新获取", field="code")
    return request


def pairing_approve(
    *,
    actor: User,
    user_code: str,
    site: Site,
    label: str = "",
    now: datetime.datetime | None = None,
) -> PairingRequest:
    """A site admin confirms the code shown on the TV for one of their sites (the caller
    checked that the site is theirs)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = pairing_for_code(user_code, now=now)
        request = PairingRequest.objects.select_for_update().get(pk=found.pk)
        if request.approved_at is not None:
            raise Refused("该配对码已经确认过了", field="code")
        request.site = site
        request.label = clean_text(label, multiline=False).strip()[:100] or "电视盒子"
        request.approved_by = actor
        request.approved_at = now
        request.save(update_fields=["site", "label", "approved_by", "approved_at"])
        audit_log(
            actor=actor,
            action="pairing.approve",
            obj=request,
            org=site.org,
            data={"site": site.code},
        )
    return request


@dataclass(frozen=True)
class PairingPoll:
    status: str  # "pending", "paired", "expired"
    key: str = ""
    site_code: str = ""
    site_name: str = ""


def pairing_claim(*, device_code: str, now: datetime.datetime | None = None) -> PairingPoll:
    """The TV polls with its device code: once confirmed, it receives its device token
    exactly once (a second poll after that finds nothing to hand out)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            # Lock the request only: the site is a nullable join (PostgreSQL refuses it).
            PairingRequest.objects.select_for_update(of=("self",))
            .select_related("site")
            .filter(device_hash=device_key_digest(device_code or ""))
            .first()
        )
        if request is None or request.device_id is not None:
            return PairingPoll("expired")
        if request.approved_at is None:
            if request.expires_at <= now:
                return PairingPoll("expired")
            return PairingPoll("pending")
        site = request.site
        assert site is not None
        device, key = device_token_issue(actor=request.approved_by, site=site, label=request.label)
        request.device = device
        request.save(update_fields=["device"])
    return PairingPoll("paired", key=key, site_code=site.code, site_name=site.name)


def pairings_prune(*, now: datetime.datetime | None = None) -> int:
    """Forget pairing requests that expired unconfirmed or were claimed a day ago."""
    now = now or timezone.now()
    deleted, _ = PairingRequest.objects.filter(
        Q(expires_at__lt=now - datetime.timedelta(days=1))
    ).delete()
    return deleted


# --- silent sites -------------------------------------------------------------------------

SILENT_DAYS = 3


def silent_sites_notify(*, now: datetime.datetime | None = None) -> int:
    """A site with no beat for 3 days (or none since its service start 3 days ago) tells
    its 站点管理员 and the town's admins, once per silence: a conditional UPDATE claims the
    site, so overlapping runs notify once. Returns how many sites were reported."""
    from django.urls import reverse

    from xianfeng.notify.services.sending import notify
    from xianfeng.orgs import paths
    from xianfeng.remote.enums import PlanNotice

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=SILENT_DAYS)
    today = timezone.localtime(now).date()
    silent = Site.objects.filter(
        Q(last_beat_at__lt=cutoff)
        & (Q(silence_notified_at__isnull=True) | Q(silence_notified_at__lt=F("last_beat_at")))
        | Q(
            last_beat_at__isnull=True,
            silence_notified_at__isnull=True,
            service_start__lte=today - datetime.timedelta(days=SILENT_DAYS),
        )
    ).select_related("org")
    told = 0
    for site in silent:
        with transaction.atomic():
            claimed = (
                Site.objects.filter(pk=site.pk, last_beat_at=site.last_beat_at)
                .filter(
                    Q(silence_notified_at__isnull=True)
                    | Q(silence_notified_at=site.silence_notified_at)
                )
                .update(silence_notified_at=now)
            )
            if not claimed:
                continue
            ancestors = paths.ids_in(site.org.path)
            # The site's own admins, and the org admins of its town (depth 1) and below.
            users = set(
                Role.objects.filter(org=site.org, kind=RoleKind.SITE_ADMIN).values_list(
                    "user_id", flat=True
                )
            ) | set(
                Role.objects.filter(org_id__in=ancestors[1:], kind=RoleKind.ADMIN).values_list(
                    "user_id", flat=True
                )
            )
            since = (
                f"最近一次心跳在 {timezone.localtime(site.last_beat_at):%m月%d日 %H:%M}"
                if site.last_beat_at
                else "启用以来从未开机"
            )
            notify(
                users=sorted(users),
                title=f"站点连续 {SILENT_DAYS} 天未开机：{site.name}",
                body=f"{site.name}（{site.code}）{since}，请检查终端和网络。",
                url=reverse("remote:site", args=[site.code]),
                kind=PlanNotice.SILENT,
                org=site.org,
                about=site,
            )
            told += 1
    return told
