"""Writing the planned county into the database in a few bulk inserts."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import time
from dataclasses import replace
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.services import org_tree_bulk_create
from xianfeng.people.demo.names import (
    BATCH,
    DEFAULT_MEMBERS,
    PASSWORD,
    PERSONAS,
    ROOT,
    SEED,
)
from xianfeng.people.demo.plan import (
    SeedReport,
    plan_county,
)
from xianfeng.people.models import Member, User


def _unusable_password() -> str:
    # What make_password(None) stores, minus its 40 secrets.choice calls per user.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def seed_county(
    *, members: int = DEFAULT_MEMBERS, today: datetime.date | None = None, seed: int = SEED
) -> SeedReport:
    """Write the demo county into an empty database, in one transaction of bulk INSERTs."""
    started = time.perf_counter()
    plan = plan_county(members=members, today=today, seed=seed)
    now = timezone.now()
    # One Argon2 hash for every persona: their password is published, so separate salts
    # would protect nothing, and each hash costs a quarter of a second here.
    persona_hash = make_password(PASSWORD, hasher="argon2")
    with transaction.atomic():
        orgs = org_tree_bulk_create(actor=None, specs=plan.orgs)
        org_id = {code: org.pk for code, org in orgs.items()}
        users = [
            User(
                username=p.username,
                name=p.name,
                phone=p.phone,
                password=persona_hash if p.persona else _unusable_password(),
                date_joined=now,
            )
            for p in plan.people
        ]
        users += [
            User(
                username=p.username,
                name=p.name,
                phone=p.phone,
                password=persona_hash,
                home_org_id=org_id[p.home_org] if p.home_org else None,
                date_joined=now,
            )
            for p in PERSONAS
            if not p.member_org
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        user_id = {u.username: u.pk for u in users}
        if any(pk is None for pk in user_id.values()):  # pragma: no cover - ids come back
            user_id = dict(
                User.objects.filter(username__in=list(user_id)).values_list("username", "pk")
            )
        rows = [
            Member(
                user_id=user_id[p.username],
                org_id=org_id[p.org_code],
                group_id=org_id[p.group_code] if p.group_code else None,
                gender=p.gender,
                ethnicity=p.ethnicity,
                birth_date=p.birth_date,
                education=p.education,
                id_number=p.id_number,
                joined_on=p.joined_on,
                confirmed_on=p.confirmed_on,
                status=p.status,
                is_mobile=p.is_mobile,
                mobile_place=p.mobile_place,
                position=p.position,
            )
            for p in plan.people
        ]
        Member.objects.bulk_create(rows, batch_size=BATCH)
        roles = [
            Role(user_id=user_id[username], org_id=org_id[code], kind=kind)
            for username, code, kind in plan.roles
        ]
        Role.objects.bulk_create(roles, batch_size=BATCH)
        report = SeedReport(
            orgs=len(orgs),
            users=len(users),
            members=len(rows),
            roles=len(roles),
        )
        audit_log(
            actor=None,
            action="demo.seed",
            obj=orgs[ROOT],
            org=orgs[ROOT],
            data={"orgs": report.orgs, "users": report.users, "members": report.members,
                  "roles": report.roles, "personas": [p.username for p in PERSONAS]},
        )  # fmt: skip
    return replace(report, seconds=time.perf_counter() - started)


def county_digest() -> str:
    """A digest of what identifies the seeded county (codes, names, numbers; never ids), to
    check that two runs wrote the same thing."""
    queries: list[QuerySet[Any, Any]] = [
        Org.objects.order_by("code").values_list(
            "code", "name", "kind", "region", "parent__code", "sort_order", "depth"
        ),
        Member.objects.order_by("user__username").values_list(
            "user__username", "user__name", "user__phone", "org__code", "group__code", "gender",
            "ethnicity", "birth_date", "education", "id_number", "joined_on", "confirmed_on",
            "status", "is_mobile", "mobile_place", "position",
        ),
        Role.objects.order_by("user__username", "org__code", "kind").values_list(
            "user__username", "org__code", "kind"
        ),
        User.objects.order_by("username").values_list("username", "phone", "home_org__code"),
    ]  # fmt: skip
    digest = hashlib.sha256()
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
    return digest.hexdigest()
