"""The events the README lists are the ones the services publish, with the data it names."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import xianfeng
from tests.factories import published_lesson
from xianfeng.audit.models import AuditLog
from xianfeng.common import transitions
from xianfeng.lessons import services as lesson_services

ROOT = Path(__file__).resolve().parents[2]


def readme_events() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Domain events", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([a-z_]+\.[a-z_]+)`", row.split("|")[1])
    }


def machines() -> list[transitions.StateMachine]:
    """Every state machine declared in an `enums` module anywhere in the project (an app's,
    or a package's inside it such as lessons/practice)."""
    found = []
    for info in pkgutil.walk_packages(xianfeng.__path__, prefix="xianfeng."):
        if info.name.rsplit(".", 1)[-1] != "enums":
            continue
        enums = importlib.import_module(info.name)
        found += [v for v in vars(enums).values() if isinstance(v, transitions.StateMachine)]
    return found


def published_in_source() -> set[str]:
    """Event names that appear in publish() calls or as machine states."""
    found: set[str] = set()
    for path in (ROOT / "src/xianfeng").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'events\.publish\(\s*"([a-z_]+\.[a-z_]+)"', text))
        for pair in re.findall(r'"([a-z_]+\.[a-z_]+)" if created else "([a-z_]+\.[a-z_]+)"', text):
            found |= set(pair)
    for machine in machines():
        found |= {
            f"{machine.name}.{state}"
            for state in machine.states.values
            if state not in machine.quiet
        }
    return found


def initial_states() -> set[str]:
    """States no move arrives at (a lesson is born a draft): never an event."""
    found: set[str] = set()
    for machine in machines():
        targets: set[str] = set().union(*machine.transitions.values())
        found |= {f"{machine.name}.{s}" for s in machine.states.values if s not in targets}
    return found


def test_readme_lists_every_published_event_and_no_other():
    listed, published = readme_events(), published_in_source()
    never_arrived = initial_states()
    assert listed - published == set()
    assert published - listed - never_arrived == set()


@pytest.mark.django_db
def test_lesson_completed_is_published_once(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, duration=100)
    user = county.member_a1.user
    from django.utils import timezone

    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 5]])
    from xianfeng.lessons.models import WatchProgress

    # Pretend the person has been watching for two minutes (real time bounds coverage).
    WatchProgress.objects.filter(user=user).update(
        last_report_at=timezone.now() - timezone.timedelta(minutes=2)
    )
    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 95]])
    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 100]])
    (event,) = AuditLog.objects.filter(event="lesson.completed")
    assert event.data == {"lesson_id": lesson.pk, "user_id": user.pk, "duration": 100.0}
    assert event.actor_id == user.pk


@pytest.mark.django_db
def test_wish_fulfilled_carries_what_points_and_assessment_need(county):
    import io

    from PIL import Image

    from xianfeng.community import services as wish_services
    from xianfeng.community.services import Upload

    resident = county.resident
    wish = wish_services.wish_post(
        actor=resident,
        org=county.branch_a1,
        category="elderly",
        title="陪老人去一次医院",
        value_yuan=50,
    )
    wish_services.wish_review(actor=county.secretary_a1, wish=wish, approve=True)
    wish_services.wish_claim(actor=county.secretary_b1, wish=wish, org=county.branch_b1)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, format="PNG")
    photo = Upload(handle=io.BytesIO(out.getvalue()), size=len(out.getvalue()))
    wish_services.wish_fulfil(
        actor=county.secretary_b1, wish=wish, note="已陪同到县医院", photos=[photo]
    )
    wish_services.wish_confirm(actor=resident, wish=wish)
    (event,) = AuditLog.objects.filter(event="wish.fulfilled")
    assert event.actor_id == resident.pk
    assert event.org_id == county.branch_a1.pk
    data = dict(event.data)
    assert data.pop("days_to_claim") >= 0
    assert data == {
        "from": "confirming",
        "org_id": county.branch_a1.pk,
        "category": "elderly",
        "campaign_id": None,
        "claimer_id": county.secretary_b1.pk,
        "claimer_org_id": county.branch_b1.pk,
        "value_yuan": 50,
    }
